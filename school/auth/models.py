"""Accounts."""

from __future__ import annotations

from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, exists, func
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship, validates

from school.auth import names
from school.db import Base, UTCDateTime, utcnow
from school.orgs.models import Organisation, StaffGrant

ROLES = {"member": "党员", "instructor": "教员", "admin": "管理员"}
GENDERS = {"male": "男", "female": "女"}
# Reading sizes a member chooses for every page (a class on <html>), largest last.
FONT_SIZES = {"normal": "标准", "large": "大", "xlarge": "特大"}


def _name_key_default(context) -> str:
    # Core inserts (the roster import's bulk insert) pass no key: it is made from the name.
    return names.name_key(context.get_current_parameters().get("name"))


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('member', 'instructor', 'admin')", name="role"),
        CheckConstraint("gender IS NULL OR gender IN ('male', 'female')", name="gender"),
        CheckConstraint("font_size IN ('normal', 'large', 'xlarge')", name="font_size"),
        # Logins and the roster import look accounts up case-insensitively: without this index
        # each lookup read every account (112,000 of them in a city).
        Index("ix_users_username_lower", func.lower("username")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    # The name in pinyin (school.auth.names): lists sort by it, so 王 comes before 张.
    name_key: Mapped[str] = mapped_column(String(200), default=_name_key_default, server_default="")
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
    # Why and when an admin or secretary disabled the account (shown in the account list).
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_reason: Mapped[str | None] = mapped_column(String(200))
    # Set at each successful login; NULL means the account was never used (a roster import).
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When staff last printed an activation slip (a one-time password) for the account, which
    # replaced any slip printed before; kept so the next print says so. NULL: never printed.
    activation_printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # The member registry (党员信息). Exactly what the school needs and nothing more: the
    # organisations reach and place the member with it, and nothing here is shown to other members.
    membership_no: Mapped[str | None] = mapped_column(String(32), unique=True, index=True)
    gender: Mapped[str | None] = mapped_column(String(10))
    phone: Mapped[str | None] = mapped_column(String(20))
    # Optional: where reminders by email go (school/messaging.py checks the form).
    email: Mapped[str | None] = mapped_column(String(254))
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
    # The member's reading size (FONT_SIZES), applied to every page they open.
    font_size: Mapped[str] = mapped_column(String(10), default="normal", server_default="normal")

    home_org: Mapped[Organisation | None] = relationship(foreign_keys=[home_org_id])
    host_org: Mapped[Organisation | None] = relationship(foreign_keys=[host_org_id])
    # Loaded when a permission asks, not on every request (a quiz save never needs them).
    staff_grants: Mapped[list[StaffGrant]] = relationship(cascade="all, delete-orphan")
    # Whether the account holds any grant, without loading them: every page's header asks
    # (is_staff), and the login check loads it in its own statement (auth.sessions).
    holds_grants: Mapped[bool] = column_property(
        exists().where(StaffGrant.user_id == id), deferred=True
    )

    @validates("name")
    def _keep_name_key(self, _key: str, value: str) -> str:
        self.name_key = names.name_key(value)
        return value

    @property
    def is_active(self) -> bool:  # Flask-Login: a deactivated account cannot log in
        return self.active

    # The secret of the login session this request runs under, set by the session loader or at
    # login. Flask-Login keeps get_id() in the session and the remember cookie, so both cookies
    # name a server-side record that logout revokes, never the account itself.
    login_token = None
    # Figures about the user that pages show on every visit (the unread count), computed in the
    # login check's statement by expressions features register (auth.sessions.add_figure).
    figures: dict[str, object] = {}  # noqa: RUF012 - replaced per instance, never mutated

    def get_id(self) -> str:
        if self.login_token is None:
            raise RuntimeError("no login session: log in through school.auth.sessions")
        return self.login_token

    @property
    def role_label(self) -> str:
        return ROLES[self.role]

    @property
    def position_label(self) -> str:
        """What the page footer calls the user: the staff role they hold (党支部书记, 组织委员 …)
        before the site-wide role, so a secretary is not shown as a plain 党员.

        Grants are loaded only for staff (the login check knows whether there are any).
        """
        if self.is_admin:
            return ROLES["admin"]
        titles = []
        if self.is_staff:
            grants = sorted(
                self.staff_grants, key=lambda g: (_GRANT_ORDER[g.role], g.org.depth, g.org.name)
            )
            titles = list(dict.fromkeys(_grant_title(g) for g in grants))
        if self.role == "instructor":
            titles.append(ROLES["instructor"])
        return "、".join(titles) or ROLES[self.role]

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
        if self.is_admin:
            return True
        if "staff_grants" in self.__dict__:
            # Loaded, or granted or revoked in this session: the collection is the truth.
            return bool(self.staff_grants)
        return self.holds_grants


# The footer names the highest staff role first: secretary, organiser, viewer.
_GRANT_ORDER = {"secretary": 0, "organiser": 1, "viewer": 2}
# A secretary's title by the kind of organisation: 党支部书记 of a branch, 党委书记 above.
_SECRETARY_TITLES = {
    "branch": "党支部书记",
    "outbound_branch": "党支部书记",
    "work_committee": "工委书记",
}


def _grant_title(grant: StaffGrant) -> str:
    if grant.role == "secretary":
        return _SECRETARY_TITLES.get(grant.org.kind, "党委书记")
    return grant.role_label  # 组织委员, 查看员


# Why a login session ended: logout, signed out from another device, the password changed, a
# staff reset, the account disabled, or its time ran out.
END_REASONS = ("logout", "signed_out", "password", "reset", "disabled", "expired")


class LoginSession(Base):
    """One login on one device. Every request checks it; logout and the account's staff end it."""

    __tablename__ = "login_sessions"
    __table_args__ = (
        CheckConstraint(
            "end_reason IS NULL OR end_reason IN ("
            + ", ".join(f"'{reason}'" for reason in END_REASONS)
            + ")",
            name="end_reason",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the secret in the browser's cookies: a copy of this table opens no session.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # IPv6 addresses take up to 45 characters; the browser's own description of itself.
    first_ip: Mapped[str | None] = mapped_column(String(45))
    last_ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(20))

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)
