"""Accounts."""

from __future__ import annotations

from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.db import Base, UTCDateTime, utcnow
from school.orgs.models import Organisation, StaffGrant

ROLES = {"member": "党员", "instructor": "教员", "admin": "管理员"}
GENDERS = {"male": "男", "female": "女"}


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('member', 'instructor', 'admin')", name="role"),
        CheckConstraint("gender IS NULL OR gender IN ('male', 'female')", name="gender"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="member")
    # Branch secretaries and committee members (支部书记、委员) have the larger yearly quota.
    is_cadre: Mapped[bool] = mapped_column(Boolean, default=False)
    home_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    host_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    # Part of the login session id: bumping it (password change or reset) ends every other session.
    auth_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # The member registry (党员信息). Exactly what the school needs and nothing more: the
    # organisations reach and place the member with it, and nothing here is shown to other members.
    membership_no: Mapped[str | None] = mapped_column(String(32), unique=True, index=True)
    gender: Mapped[str | None] = mapped_column(String(10))
    phone: Mapped[str | None] = mapped_column(String(20))
    joined_party_on: Mapped[date | None] = mapped_column(Date)
    # Floating (流动党员): away from the home organisation; the host organisation may be unknown
    # between flowing out and reporting at the new place.
    is_floating: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    current_city: Mapped[str | None] = mapped_column(String(50))
    flowed_out_on: Mapped[date | None] = mapped_column(Date)
    flow_reason: Mapped[str | None] = mapped_column(String(200))
    # 流动党员活动证 number.
    certificate_no: Mapped[str | None] = mapped_column(String(50))
    # File name under UPLOAD_DIR/photos for the member card; re-encoded without metadata.
    photo_name: Mapped[str | None] = mapped_column(String(100))

    home_org: Mapped[Organisation | None] = relationship(foreign_keys=[home_org_id])
    host_org: Mapped[Organisation | None] = relationship(foreign_keys=[host_org_id])
    # Loaded when a permission asks, not on every request (a quiz save never needs them).
    staff_grants: Mapped[list[StaffGrant]] = relationship(cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:  # Flask-Login: a deactivated account cannot log in
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.auth_version}"

    @property
    def role_label(self) -> str:
        return ROLES[self.role]

    @property
    def gender_label(self) -> str:
        return GENDERS.get(self.gender or "", "")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_instructor(self) -> bool:
        return self.role in ("instructor", "admin")

    @property
    def is_staff(self) -> bool:
        return self.is_admin or bool(self.staff_grants)
