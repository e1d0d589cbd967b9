"""The organisation tree and staff grants (who manages which subtree)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from school.db import Base, UTCDateTime, utcnow

ORG_KINDS = {
    "city": "市委",
    "district": "县区委",
    "township": "乡镇（街道）党委",
    "branch": "党支部",
    "work_committee": "流动党员工作委员会",
    "outbound_branch": "驻外党支部",
}

STAFF_ROLES = {"secretary": "书记", "organiser": "组织委员", "viewer": "查看员"}
# The roles that act for an organisation (edit, record, remind, publish); viewers only read.
MANAGING_ROLES = ("secretary", "organiser")

# Deepest level of the tree (the top is level 1). Real trees are 5-7 levels (city committee,
# district, township, branch, party group ...); the services refuse a create, move or merge that
# would go deeper. It also bounds the materialised path: "/" and, per level, an id of at most 10
# digits (the id column is a 32-bit integer on PostgreSQL) and "/": at most 221 characters, which
# PATH_LENGTH holds. tests/orgs/test_depth.py checks both sums.
MAX_DEPTH = 20
PATH_LENGTH = 255


class Organisation(Base):
    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('city', 'district', 'township', 'branch', 'work_committee', "
            "'outbound_branch')",
            name="kind",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    # Materialised path of ids, "/1/4/9/": a subtree is one indexed prefix match on both databases.
    path: Mapped[str] = mapped_column(String(PATH_LENGTH), index=True, default="")
    city: Mapped[str | None] = mapped_column(String(50))
    # 组织代码: the unambiguous key in rosters, where many branches share a name like 第一党支部.
    code: Mapped[str | None] = mapped_column(String(32), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Closed and merged organisations stay in the table: archives, bulletins and the audit log
    # still name them.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A plain reference (organisations are never deleted): a foreign key here would need a
    # rebuild of the table that every other table references on SQLite.
    merged_into_id: Mapped[int | None] = mapped_column(Integer)

    parent: Mapped[Organisation | None] = relationship(remote_side=[id], foreign_keys=[parent_id])

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def kind_label(self) -> str:
        return ORG_KINDS[self.kind]

    @property
    def depth(self) -> int:
        """The level of this organisation in the tree: 1 at the top."""
        return self.path.count("/") - 1

    @property
    def line_ids(self) -> list[int]:
        """Ids of the organisation's line from the top of the tree down to itself."""
        return line_ids(self.path)

    def contains(self, other: Organisation | None) -> bool:
        """True when ``other`` is this organisation or lies in its subtree."""
        return other is not None and other.path.startswith(self.path)


def line_ids(path: str) -> list[int]:
    """Ids of the line an organisation's ``path`` spells, from the top of the tree down."""
    return [int(part) for part in path.strip("/").split("/") if part]


class StaffGrant(Base):
    """A staff role held in one organisation; it applies to the organisation's whole subtree."""

    __tablename__ = "staff_grants"
    __table_args__ = (
        UniqueConstraint("user_id", "org_id"),
        CheckConstraint("role IN ('secretary', 'organiser', 'viewer')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    org: Mapped[Organisation] = relationship(lazy="joined")

    @property
    def role_label(self) -> str:
        return STAFF_ROLES[self.role]


AUDIT_ACTIONS = {
    "org.create": "新建组织",
    "org.rename": "更名",
    "org.move": "调整隶属",
    "org.merge": "合并",
    "org.close": "撤销",
    "staff.grant": "授予管理角色",
    "staff.revoke": "撤销管理角色",
    "account.disable": "停用账号",
    "account.enable": "启用账号",
    "account.role": "更改角色",
    "account.reset": "重置密码",
    "account.activation": "打印激活单",
    "member.edit": "修改党员信息",
    "credit.batch": "集体学习记录",
    "credit.correct": "更正学时",
    "class.enrol": "培训班批量报名",
    "class.attend": "培训班手工签到",
    "certificate.revoke": "撤销证书",
    "points.rule": "修改积分规则",
    "points.correct": "更正积分",
}


class AuditEntry(Base):
    """Who changed the tree, a staff grant or an account, when and what: appended, never updated.

    ``org_id`` files the entry where its readers are (the account's home organisation for
    account changes); entries without one (an administrator's account) only admins see.
    """

    __tablename__ = "org_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    action: Mapped[str] = mapped_column(String(30))
    org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # A readable summary in Chinese, written at the time ("更名：一支部 → 第一党支部").
    detail: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    @property
    def action_label(self) -> str:
        return AUDIT_ACTIONS.get(self.action, self.action)


# How a row naming a subtree reaches its members, in words (campaigns, recommendation ballots).
TARGET_SIDES = {"both": "流出地或流入地", "home": "组织关系在该组织", "host": "流入该组织"}


class SubtreeTarget:
    """The columns of a row naming an organisation's subtree that a feature reaches: through
    the members' home or host organisation or either, and floating members only or all
    (``orgs.scope.covers`` reads them). The table adds its key to its owner, and the side's
    check and its uniqueness in ``__table_args__``."""

    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    side: Mapped[str] = mapped_column(String(10), default="both")
    floating_only: Mapped[bool] = mapped_column(Boolean, default=False)

    @declared_attr
    def org(cls) -> Mapped[Organisation]:
        return relationship(Organisation)

    @property
    def side_label(self) -> str:
        return TARGET_SIDES[self.side]
