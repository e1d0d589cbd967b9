"""A batch of group credit: one study held by an organisation, credited to many members.

The archive entries are the record that counts (school/archive); a batch says who credited
them, when and with what evidence, so the staff can find the batch again and a member's entry
leads back to it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.db import Base, Hours, UTCDateTime, utcnow

if TYPE_CHECKING:
    from school.auth.models import User
    from school.orgs.models import Organisation

# 三会一课 first: the four kinds a branch reports on.
KINDS = {
    "branch_meeting": "支部党员大会",
    "committee_meeting": "支委会",
    "group_meeting": "党小组会",
    "party_lecture": "党课",
    "theme_day": "主题党日",
    "outside_lecture": "校外讲座",
    "other": "其他",
}
THREE_MEETINGS = ("branch_meeting", "committee_meeting", "group_meeting", "party_lecture")
_KIND_CHECK = "kind IN (" + ", ".join(f"'{k}'" for k in KINDS) + ")"


def kind_label(kind: str) -> str:
    """The kind as members read it: "三会一课·党课", "主题党日"."""
    label = KINDS[kind]
    return f"三会一课·{label}" if kind in THREE_MEETINGS else label


class CreditBatch(Base):
    """One study credited to many members at once; appended, never edited."""

    __tablename__ = "credit_batches"
    __table_args__ = (
        CheckConstraint(_KIND_CHECK, name="kind"),
        CheckConstraint("hours > 0", name="hours"),
        CheckConstraint("credited >= 0", name="credited"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(100))
    held_on: Mapped[date] = mapped_column(Date)
    hours: Mapped[Decimal] = mapped_column(Hours)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    note: Mapped[str] = mapped_column(String(1000), default="")
    # A photo of the sign-in sheet, re-encoded (school/images.py) under UPLOAD_DIR/credits.
    evidence_name: Mapped[str | None] = mapped_column(String(100))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # How many members this batch credited (those who already had the study are not counted).
    credited: Mapped[int] = mapped_column(Integer, default=0)
    # The preview this batch confirmed: confirming the same preview twice credits nothing twice.
    request_key: Mapped[str] = mapped_column(String(64), unique=True)

    org: Mapped[Organisation] = relationship()
    recorded_by: Mapped[User] = relationship()

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)


class CreditBatchMember(Base):
    """A member a batch credited, and the archive entry it wrote (a plain reference)."""

    __tablename__ = "credit_batch_members"

    batch_id: Mapped[int] = mapped_column(
        ForeignKey("credit_batches.id", ondelete="RESTRICT"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    entry_id: Mapped[int] = mapped_column(Integer, unique=True)

    member: Mapped[User] = relationship()
