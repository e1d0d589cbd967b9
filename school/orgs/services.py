"""The organisation tree: queries, and the changes admins and secretaries make (all audited)."""

from __future__ import annotations

from sqlalchemy import Select, func, literal, or_, select, update
from sqlalchemy.orm import aliased

from school import events
from school.auth import services as accounts
from school.auth.models import User
from school.clock import local_today
from school.db import db, utcnow
from school.orgs import audit
from school.orgs.models import (
    MAX_DEPTH,
    ORG_KINDS,
    STAFF_ROLES,
    AuditEntry,
    Organisation,
    StaffGrant,
)
from school.orgs.permissions import can_view_org
from school.orgs.scope import in_subtrees, read_roots

NAME_MAX = 100
CODE_MAX = 32
CITY_MAX = 50
MERGE_NOTE = "组织合并"
# When a merge meets two grants of one person, the stronger role survives.
ROLE_STRENGTH = {"viewer": 0, "organiser": 1, "secretary": 2}


class OrgError(ValueError):
    """A change to the tree or to a staff grant that cannot be made; the message is for the user."""


def create_org(
    name: str,
    kind: str,
    parent: Organisation | None = None,
    city: str | None = None,
    code: str | None = None,
) -> Organisation:
    """Add an organisation under ``parent`` and give it its materialised path."""
    if parent is not None and parent.depth + 1 > MAX_DEPTH:
        raise OrgError(
            f"“{parent.name}”已是第 {parent.depth} 级，党组织最多 {MAX_DEPTH} 级，"
            "不能在它下面再新建下级组织。"
        )
    org = Organisation(name=name, kind=kind, parent=parent, city=city, code=code)
    db.session.add(org)
    db.session.flush()  # the id is part of the path
    org.path = f"{parent.path if parent else '/'}{org.id}/"
    db.session.flush()
    return org


def members_in_scope(viewer: User) -> Select[tuple[User]]:
    """Members whose home or host organisation lies in a subtree the viewer reads."""
    query = select(User).order_by(User.name, User.id)
    if viewer.is_admin:
        return query
    roots = read_roots(viewer)
    if not roots:
        return query.where(False)
    home, host = aliased(Organisation), aliased(Organisation)
    return (
        query.outerjoin(home, User.home_org_id == home.id)
        .outerjoin(host, User.host_org_id == host.id)
        .where(or_(in_subtrees(home.path, roots), in_subtrees(host.path, roots)))
    )


def find_org(name: str) -> Organisation | None:
    """Look an organisation up by its exact name."""
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


def lookup_org(text: str, viewer: User | None = None) -> Organisation:
    """Find an organisation by its code, else by a name that only one organisation has.

    Among namesakes, open ones win over closed ones and, given a viewer, the ones the viewer
    may see win over the rest.
    """
    text = (text or "").strip()
    if not text:
        raise OrgError("请填写组织代码或党组织全称。")
    org = db.session.scalar(select(Organisation).where(Organisation.code == text))
    if org is not None:
        return org
    named = db.session.scalars(
        select(Organisation).where(Organisation.name == text).order_by(Organisation.id)
    ).all()
    if len(named) > 1:  # a closed namesake should not hide the one still working
        named = [org for org in named if org.is_open] or named
    if len(named) > 1 and viewer is not None:
        named = [org for org in named if can_view_org(viewer, org)] or named
    if not named:
        raise OrgError(f"找不到组织代码或全称为“{text}”的党组织。")
    if len(named) > 1:
        raise OrgError(f"有 {len(named)} 个党组织都叫“{text}”，请改填组织代码。")
    return named[0]


def subtree_roots(viewer: User) -> list[Organisation]:
    """The tops of the subtrees a staff member sees, by name."""
    return sorted(read_roots(viewer), key=lambda o: o.name)


def _audit(
    actor: User | None, action: str, org: Organisation, detail: str, user: User | None = None
) -> AuditEntry:
    return audit.record(actor, action, detail, org=org, user=user)


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise OrgError("请填写党组织名称。")
    if len(name) > NAME_MAX:
        raise OrgError(f"党组织名称最多 {NAME_MAX} 个字。")
    return name


def _clean_code(code: str | None, org: Organisation | None = None) -> str | None:
    code = (code or "").strip() or None
    if code is None:
        return None
    if len(code) > CODE_MAX:
        raise OrgError(f"组织代码最多 {CODE_MAX} 个字符。")
    holder = db.session.scalar(select(Organisation).where(Organisation.code == code))
    if holder is not None and holder is not org:
        raise OrgError(f"组织代码 {code} 已被“{holder.name}”使用。")
    return code


def _require_open(org: Organisation, what: str = "该党组织") -> None:
    if not org.is_open:
        raise OrgError(f"{what}“{org.name}”已撤销或合并，不能再作调整。")


def create(
    actor: User | None,
    name: str,
    kind: str,
    parent: Organisation | None,
    code: str | None = None,
    city: str | None = None,
) -> Organisation:
    """Create an organisation under ``parent`` (checked and audited)."""
    name = _clean_name(name)
    if kind not in ORG_KINDS:
        raise OrgError(f"未知的组织类型：{kind}。")
    if parent is not None:
        _require_open(parent, "上级党组织")
    code = _clean_code(code)
    city = (city or "").strip()[:CITY_MAX] or None
    org = create_org(name, kind, parent, city=city, code=code)
    where = f"，隶属：{parent.name}" if parent else "（最高一级）"
    _audit(actor, "org.create", org, f"新建：{name}（{ORG_KINDS[kind]}）{where}")
    db.session.flush()
    return org


def rename_org(actor: User | None, org: Organisation, name: str, code: str | None) -> None:
    """Change an organisation's name and code (code empty: none)."""
    _require_open(org)
    name = _clean_name(name)
    code = _clean_code(code, org)
    changes = []
    if name != org.name:
        changes.append(f"更名：{org.name} → {name}")
    if code != org.code:
        changes.append(f"组织代码：{org.code or '无'} → {code or '无'}")
    if not changes:
        raise OrgError("名称和组织代码都没有变化。")
    org.name, org.code = name, code
    _audit(actor, "org.rename", org, "；".join(changes))
    db.session.flush()


def _check_new_parent(org: Organisation, new_parent: Organisation, verb: str) -> None:
    if org.contains(new_parent):
        raise OrgError(f"不能把“{org.name}”{verb}它自己或它的下级组织“{new_parent.name}”。")
    _require_open(new_parent, "目标党组织")


def _height(org: Organisation) -> int:
    """Levels below ``org`` down to its deepest descendant, closed ones included (0: none)."""
    path = Organisation.path
    slashes = func.length(path) - func.length(func.replace(path, "/", ""))
    deepest = db.session.scalar(
        select(func.max(slashes)).where(path.startswith(org.path, autoescape=True))
    )
    return max(0, int(deepest or 0) - org.path.count("/"))


def _check_depth(org: Organisation, deepest: int, verb: str, target: Organisation) -> None:
    """Refuse a change after which the subtree of ``org`` would reach below MAX_DEPTH."""
    if deepest > MAX_DEPTH:
        raise OrgError(
            f"不能把“{org.name}”{verb}“{target.name}”：那样组织架构最深会到第 {deepest} 级，"
            f"而党组织最多 {MAX_DEPTH} 级。"
        )


def _reparent(org: Organisation, new_parent: Organisation) -> None:
    """Hang ``org`` under ``new_parent``: one UPDATE rewrites the path prefix of its subtree."""
    old_prefix = org.path
    new_prefix = f"{new_parent.path}{org.id}/"
    db.session.execute(
        update(Organisation)
        .where(Organisation.path.startswith(old_prefix, autoescape=True))
        .values(path=literal(new_prefix) + func.substr(Organisation.path, len(old_prefix) + 1))
        .execution_options(synchronize_session="fetch")
    )
    org.parent_id = new_parent.id
    org.parent = new_parent
    db.session.flush()


def move_org(actor: User | None, org: Organisation, new_parent: Organisation) -> None:
    """Put an organisation (with its whole subtree) under another parent."""
    _require_open(org)
    _check_new_parent(org, new_parent, "调整到")
    if org.parent_id == new_parent.id:
        raise OrgError(f"“{org.name}”已经隶属于“{new_parent.name}”。")
    # The whole subtree moves along: its deepest organisation decides.
    _check_depth(org, new_parent.depth + 1 + _height(org), "调整到", new_parent)
    old = org.parent.name if org.parent else "无"
    _reparent(org, new_parent)
    _audit(actor, "org.move", org, f"调整隶属：{old} → {new_parent.name}")


def _move_members(actor: User | None, source: Organisation, target: Organisation) -> int:
    """Home and host members of ``source`` go to ``target``; subscribers record their flow."""
    moved: dict[str, list[int]] = {}
    for column in (User.home_org_id, User.host_org_id):
        ids = moved[column.key] = list(
            db.session.scalars(select(User.id).where(column == source.id).order_by(User.id))
        )
        if ids:
            db.session.execute(
                update(User)
                .where(column == source.id)
                .values({column.key: target.id})
                .execution_options(synchronize_session=False)
            )
            # The bulk UPDATE bypassed the loaded objects: let them reload home/host.
            relation = column.key.removesuffix("_id")
            for member_id in ids:
                loaded = db.session.identity_map.get(db.session.identity_key(User, member_id))
                if loaded is not None:
                    db.session.expire(loaded, [column.key, relation])
    # The members' registry keeps each one's flow history (a transfer for home members, a
    # change of host for floating ones): it listens rather than being written from here.
    events.org_merged.send(
        source,
        target=target,
        home_member_ids=moved["home_org_id"],
        host_member_ids=moved["host_org_id"],
        on=local_today(),
        note=MERGE_NOTE,
        by=actor,
    )
    return len(set(moved["home_org_id"]) | set(moved["host_org_id"]))


def _move_grants(actor: User | None, source: Organisation, target: Organisation) -> int:
    """Staff of ``source`` become staff of ``target``; of two grants the stronger role stays."""
    grants = db.session.scalars(select(StaffGrant).where(StaffGrant.org_id == source.id)).all()
    for grant in grants:
        holder = db.session.get(User, grant.user_id)
        existing = db.session.scalar(
            select(StaffGrant).where(
                StaffGrant.user_id == grant.user_id, StaffGrant.org_id == target.id
            )
        )
        role = grant.role
        if existing is not None:
            if ROLE_STRENGTH[existing.role] < ROLE_STRENGTH[grant.role]:
                existing.role = grant.role
            role = existing.role
            holder.staff_grants.remove(grant)
        else:
            grant.org_id, grant.org = target.id, target
        _audit(
            actor,
            "staff.grant",
            target,
            f"授予：{holder.name} {target.name} {STAFF_ROLES[role]}"
            f"（{MERGE_NOTE}，原为{source.name}{STAFF_ROLES[grant.role]}）",
            holder,
        )
    db.session.flush()
    return len(grants)


def merge_orgs(actor: User | None, source: Organisation, target: Organisation) -> None:
    """Merge ``source`` into ``target``: members, staff and children move, ``source`` closes."""
    _require_open(source)
    if source.id == target.id:
        raise OrgError("不能把党组织并入它自己。")
    _check_new_parent(source, target, "并入")
    # The children move under the target, one level per level the target is deeper than source.
    if (height := _height(source)) > 0:
        _check_depth(source, target.depth + height, "并入", target)
    children = db.session.scalars(
        select(Organisation).where(Organisation.parent_id == source.id).order_by(Organisation.id)
    ).all()
    members = _move_members(actor, source, target)
    grants = _move_grants(actor, source, target)
    for child in children:
        _reparent(child, target)
        _audit(actor, "org.move", child, f"调整隶属：{source.name} → {target.name}（{MERGE_NOTE}）")
    source.closed_at = utcnow()
    source.merged_into_id = target.id
    _audit(
        actor,
        "org.merge",
        source,
        f"合并：{source.name} → {target.name}"
        f"（转入党员 {members} 人、管理角色 {grants} 个、下级组织 {len(children)} 个）",
    )
    db.session.flush()


def close_org(actor: User | None, org: Organisation) -> None:
    """Close an empty organisation; it stays in the table for the history that names it."""
    _require_open(org)
    children = db.session.scalar(
        select(func.count(Organisation.id)).where(
            Organisation.parent_id == org.id, Organisation.closed_at.is_(None)
        )
    )
    members = db.session.scalar(
        select(func.count(User.id)).where(
            or_(User.home_org_id == org.id, User.host_org_id == org.id)
        )
    )
    grants = db.session.scalar(select(func.count(StaffGrant.id)).where(StaffGrant.org_id == org.id))
    left = [
        text
        for count, text in (
            (children, f"{children} 个未撤销的下级组织"),
            (members, f"{members} 名党员（流出地或流入地）"),
            (grants, f"{grants} 个管理角色"),
        )
        if count
    ]
    if left:
        raise OrgError(f"“{org.name}”还有{'、'.join(left)}，请先调整或合并到其他党组织后再撤销。")
    org.closed_at = utcnow()
    _audit(actor, "org.close", org, f"撤销：{org.name}")
    db.session.flush()


def grant(actor: User | None, user: User, org: Organisation, role: str) -> StaffGrant:
    """Give ``user`` a staff role at ``org`` (or change the one they hold there)."""
    if role not in STAFF_ROLES:
        raise OrgError(f"未知管理角色：{role}。")
    _require_open(org)
    before = next((g.role for g in user.staff_grants if g.org_id == org.id), None)
    if before == role:
        raise OrgError(f"{user.name}已经是“{org.name}”的{STAFF_ROLES[role]}。")
    try:
        staff_grant = accounts.grant_staff(user, org, role)
    except accounts.AccountError as exc:
        raise OrgError(str(exc)) from None
    if before is None:
        detail = f"授予：{user.name} {org.name} {STAFF_ROLES[role]}"
    else:
        detail = f"调整：{user.name} 在{org.name} {STAFF_ROLES[before]} → {STAFF_ROLES[role]}"
    _audit(actor, "staff.grant", org, detail, user)
    db.session.flush()
    return staff_grant


def revoke(actor: User | None, staff_grant: StaffGrant) -> None:
    """Take a staff role away."""
    holder = db.session.get(User, staff_grant.user_id)
    org = staff_grant.org
    holder.staff_grants.remove(staff_grant)
    _audit(
        actor,
        "staff.revoke",
        org,
        f"撤销：{holder.name} {org.name} {STAFF_ROLES[staff_grant.role]}",
        holder,
    )
    db.session.flush()
