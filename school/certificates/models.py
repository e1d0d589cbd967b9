"""Certificates (结业证书 / 培训证明): what a member completed, with a code anyone can verify.

A certificate is a snapshot, like an archive entry: the member's name, what was completed, the
学时 and the issuing organisation as they were on the day it was issued, so renaming a course or
an organisation never changes a certificate already printed. It is never deleted: a certificate
given in error is revoked, and verifies as revoked from then on. A member holds at most one
valid certificate per course, campaign or class; one revoked may be followed by a new one.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.auth.models import User
from school.db import Base, Hours, UTCDateTime, utcnow
from school.orgs.models import Organisation

KINDS = {"course": "课程结业证书", "campaign": "专题教育结业证书", "class": "培训证明"}
SOURCE_LABELS = {"course": "课程", "campaign": "专题教育活动", "class": "培训班"}


class Certificate(Base):
    __tablename__ = "certificates"
    __table_args__ = (
        CheckConstraint("kind IN ('course', 'campaign', 'class')", name="kind"),
        CheckConstraint("hours >= 0", name="hours"),
        # One valid certificate per member and source; revoked ones stay beside it as history.
        Index(
            "uq_certificates_valid",
            "member_id",
            "kind",
            "source_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Twelve Crockford base-32 characters (60 random bits), printed as XXXX-XXXX-XXXX.
    code: Mapped[str] = mapped_column(String(12), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    # The course, campaign or class it was given for (no foreign key: the snapshot outlives it).
    source_id: Mapped[int] = mapped_column(Integer)
    member_name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    # What was done, in words: 完成全部必修内容, 出勤 4/5 场.
    detail: Mapped[str] = mapped_column(String(200), default="")
    hours: Mapped[Decimal] = mapped_column(Hours)
    completed_on: Mapped[date] = mapped_column(Date)
    issuer_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    issuer_name: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    revoke_reason: Mapped[str] = mapped_column(String(200), default="")

    member: Mapped[User] = relationship(foreign_keys=[member_id])
    issuer_org: Mapped[Organisation | None] = relationship()
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS[self.kind]

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def printed_code(self) -> str:
        return printed(self.code)


def printed(code: str) -> str:
    """A code as it is printed and typed: XXXX-XXXX-XXXX."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
