"""Commendation (评先评优): the round's life and each nomination's, as plain typed services.

Notification links are plain paths: services also run outside a request (the demo loader).

Round: ``nominating`` (nominations until the deadline, reviews until the 公示 starts) →
``notice`` (the 公示: ``notice_days`` days from the day it starts, both ends included; members
of the subtree may object) → ``published`` (after the period, with no open objection: each
approved nominee gets an honour record).

Nomination: ``gathering`` (a peer nomination short of co-signers) → ``review`` (level by level,
from the nominating organisation up to the round's committee) → ``approved``; a level may return
it (``returned``), the nominator revises and resubmits (back to the first level). An upheld
objection withdraws it (``withdrawn``); publication makes it ``honoured``. Every change appends a
step. Services add and flush; the request commits once. ``today`` and ``now`` are injectable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from school import events
from school.auth.models import User
from school.clock import local_today
from school.db import db, utcnow
from school.honours.models import (
    Cosign,
    Honour,
    HonourRound,
    Nomination,
    NominationStep,
    Objection,
)
from school.honours.permissions import (
    can_cosign,
    can_object,
    can_resolve,
    can_review,
    can_revise,
    in_round,
    is_committee,
    nominating_org,
    runs_round,
    shared_branch,
    staff_orgs_in,
)
from school.images import ImageRejected, store_image
from school.notifications.services import notify
from school.orgs.models import Organisation
from school.orgs.permissions import managed_orgs, manages
from school.orgs.scope import in_subtrees, staff_of, subtree_ids
from school.uploads import limit_bytes

TITLE_MAX = 100
TEXT_MAX = 2000
COMMENT_MAX = 500
# An objection carries an image as a suggestion does, under the same limit.
IMAGE_LIMIT = "FORUM_IMAGE_MAX_MB"


class HonourError(ValueError):
    """A refused action; str(exc) is a message in Chinese. Raised before anything is written."""


@dataclass(frozen=True)
class RoundFields:
    year: int
    title: str
    quota: int
    nomination_deadline: date
    notice_days: int
    cosigners: int


def _step(nomination: Nomination, actor: User, action: str, org_id: int | None, comment: str = ""):
    db.session.add(
        NominationStep(
            nomination_id=nomination.id,
            actor_id=actor.id,
            org_id=org_id,
            action=action,
            comment=comment,
        )
    )


def _locked_round(round_: HonourRound) -> HonourRound:
    """The round's row locked for the rest of the transaction (PostgreSQL; SQLite writes one at
    a time anyway), read again so that its state is the committed one."""
    db.session.execute(select(HonourRound.id).where(HonourRound.id == round_.id).with_for_update())
    db.session.refresh(round_)
    return round_


# Rounds ------------------------------------------------------------------------------------


def open_round(actor: User, org: Organisation, fields: RoundFields) -> HonourRound:
    """Open a commendation round for the organisation's subtree."""
    if not manages(actor, org):
        raise HonourError("您不能为这个党组织发起评先评优。")
    if not org.is_open:
        raise HonourError("这个党组织已撤销。")
    title = fields.title.strip()
    if not title or len(title) > TITLE_MAX:
        raise HonourError(f"请填写荣誉名称（{TITLE_MAX} 字以内）。")
    round_ = HonourRound(
        org_id=org.id,
        org=org,
        year=fields.year,
        title=title,
        quota=fields.quota,
        nomination_deadline=fields.nomination_deadline,
        notice_days=fields.notice_days,
        cosigners=fields.cosigners,
        state="nominating",
        created_by_id=actor.id,
    )
    db.session.add(round_)
    db.session.flush()
    return round_


def open_orgs() -> list[Organisation]:
    """Every open organisation above the branches, top first: where an admin may open a round."""
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.closed_at.is_(None), Organisation.kind != "branch")
            .order_by(Organisation.path)
        )
    )


def staff_rounds(user: User) -> list[HonourRound]:
    """Rounds the staff member runs or takes part in: their committees' and those above the
    organisations they manage, the newest first."""
    query = select(HonourRound).join(Organisation, Organisation.id == HonourRound.org_id)
    if not user.is_admin:
        grant_orgs = [g.org for g in user.staff_grants]
        if not grant_orgs:
            return []
        above = {oid for org in managed_orgs(user) for oid in org.line_ids}
        query = query.where(
            or_(in_subtrees(Organisation.path, grant_orgs), HonourRound.org_id.in_(above))
        )
    return list(db.session.scalars(query.order_by(HonourRound.id.desc())))


def member_rounds(member: User) -> list[HonourRound]:
    """Rounds whose subtree holds the member (home or host side), the newest first."""
    ids = {oid for org in (member.home_org, member.host_org) if org for oid in org.line_ids}
    if not ids or member.is_admin:
        return []
    return list(
        db.session.scalars(
            select(HonourRound).where(HonourRound.org_id.in_(ids)).order_by(HonourRound.id.desc())
        )
    )


# Nominating --------------------------------------------------------------------------------


def find_member(actor: User, round_: HonourRound, text: str) -> User | None:
    """A member of the round the actor may nominate, by username, 党员编号 or a unique name."""
    text = text.strip()
    if not text:
        return None
    subtree = subtree_ids(round_.org)
    found = list(
        db.session.scalars(
            select(User)
            .where(
                or_(User.username == text, User.membership_no == text, User.name == text),
                or_(User.home_org_id.in_(subtree), User.host_org_id.in_(subtree)),
                User.active.is_(True),
                User.role != "admin",
            )
            .limit(5)
        )
    )
    mine = [m for m in found if nominating_org(actor, round_, m) is not None]
    exact = [m for m in mine if text in (m.username, m.membership_no)]
    if exact:
        return exact[0]
    return mine[0] if len(mine) == 1 else None


def levels(nomination: Nomination) -> list[int]:
    """The organisations that review the nomination, bottom up: from the nominating branch
    (peers) or the level above it (staff) to the round's committee."""
    line = nomination.origin_org.line_ids
    chain = list(reversed(line[line.index(nomination.round.org_id) :]))
    return chain if nomination.kind == "peer" else chain[1:]


def _notify_level(nomination: Nomination) -> None:
    staff = db.session.scalars(staff_of([nomination.level_org_id], managing=True))
    notify(
        staff,
        "honour",
        f"有一项“{nomination.round.title}”推荐等待您审核。",
        f"/manage/honours/nominations/{nomination.id}",
    )


def _to_review(nomination: Nomination) -> None:
    """Send the nomination to its first level (or approve it when nobody is above)."""
    chain = levels(nomination)
    if not chain:
        nomination.state, nomination.level_org_id = "approved", None
        return
    nomination.state, nomination.level_org_id = "review", chain[0]
    db.session.flush()
    db.session.refresh(nomination, ["level_org"])
    _notify_level(nomination)


def _check_text(reasons: str, evidence: str) -> tuple[str, str]:
    reasons, evidence = reasons.strip(), evidence.strip()
    if not reasons:
        raise HonourError("请填写推荐理由。")
    if len(reasons) > TEXT_MAX or len(evidence) > TEXT_MAX:
        raise HonourError(f"推荐理由和事迹材料各 {TEXT_MAX} 字以内。")
    return reasons, evidence


def _existing(round_: HonourRound, member: User) -> Nomination | None:
    return db.session.scalar(
        select(Nomination).where(
            Nomination.round_id == round_.id, Nomination.member_id == member.id
        )
    )


def _add(nomination: Nomination) -> Nomination:
    """Insert, turning the one-per-member rule (a second tab, a double tap) into a message."""
    try:
        with db.session.begin_nested():
            db.session.add(nomination)
            db.session.flush()
    except IntegrityError:
        raise HonourError("这名党员在本次评选中已被推荐。") from None
    return nomination


def nominate(
    actor: User,
    round_: HonourRound,
    member: User,
    reasons: str,
    evidence: str = "",
    *,
    peer: bool = False,
    today: date | None = None,
) -> Nomination:
    """Nominate a member: as staff for their organisation (or the committee), or as a fellow
    member of the same branch (``peer``: it waits for the round's co-signers)."""
    today = today or local_today()
    round_ = _locked_round(round_)
    origin = shared_branch(actor, member, round_) if peer else nominating_org(actor, round_, member)
    if origin is None:
        raise HonourError(
            "只能推荐同一党支部的党员。" if peer else "这名党员不在您管理的范围内，不能推荐。"
        )
    if not round_.accepts_nominations(today):
        raise HonourError("本次评选已截止推荐。")
    reasons, evidence = _check_text(reasons, evidence)
    if _existing(round_, member) is not None:
        raise HonourError("这名党员在本次评选中已被推荐。")
    kind = "peer" if peer else ("committee" if origin.id == round_.org_id else "branch")
    nomination = _add(
        Nomination(
            round_id=round_.id,
            member_id=member.id,
            nominator_id=actor.id,
            kind=kind,
            origin_org_id=origin.id,
            reasons=reasons,
            evidence=evidence,
            state="gathering",
        )
    )
    db.session.refresh(nomination, ["round", "origin_org"])
    _step(nomination, actor, "submit", origin.id)
    if kind != "peer" or round_.cosigners == 0:
        _to_review(nomination)
    db.session.flush()
    return nomination


def cosign(actor: User, nomination: Nomination, today: date | None = None) -> Nomination:
    """Sign a fellow member's peer nomination; with enough signatures it goes to review."""
    today = today or local_today()
    round_ = _locked_round(nomination.round)
    db.session.refresh(nomination)
    if actor.id == nomination.nominator_id:
        raise HonourError("不能为自己提出的推荐联名。")
    if actor.id == nomination.member_id:
        raise HonourError("不能为推荐自己的提名联名。")
    if not can_cosign(actor, nomination):
        raise HonourError("这项推荐不需要您的联名。")
    if not round_.accepts_nominations(today):
        raise HonourError("本次评选已截止推荐。")
    try:
        with db.session.begin_nested():
            db.session.add(Cosign(nomination_id=nomination.id, member_id=actor.id))
            db.session.flush()
    except IntegrityError:
        raise HonourError("您已经联名过了。") from None
    _step(nomination, actor, "cosign", nomination.origin_org_id)
    signed = db.session.scalar(
        select(func.count(Cosign.id)).where(Cosign.nomination_id == nomination.id)
    )
    if signed >= round_.cosigners:
        _to_review(nomination)
    db.session.flush()
    return nomination


def review(actor: User, nomination: Nomination, *, approve: bool, comment: str) -> Nomination:
    """Approve at the current level (on to the next, or approved at the top), or return it."""
    _locked_round(nomination.round)
    db.session.refresh(nomination)
    if not can_review(actor, nomination):
        raise HonourError("这项推荐现在不由您审核。")
    comment = comment.strip()
    if len(comment) > COMMENT_MAX:
        raise HonourError(f"意见 {COMMENT_MAX} 字以内。")
    level = nomination.level_org_id
    if not approve:
        if not comment:
            raise HonourError("退回时请写明理由。")
        _step(nomination, actor, "return", level, comment)
        nomination.state, nomination.level_org_id = "returned", None
        notify(
            [nomination.nominator],
            "honour",
            f"您提交的“{nomination.round.title}”推荐被退回，请查看理由后修改。",
            f"/honours/nominations/{nomination.id}/revise",
        )
        db.session.flush()
        return nomination
    _step(nomination, actor, "approve", level, comment)
    chain = levels(nomination)
    following = chain[chain.index(level) + 1 :] if level in chain else []
    if following:
        nomination.level_org_id = following[0]
        db.session.flush()
        db.session.refresh(nomination, ["level_org"])
        _notify_level(nomination)
    else:
        nomination.state, nomination.level_org_id = "approved", None
    db.session.flush()
    return nomination


def revise(actor: User, nomination: Nomination, reasons: str, evidence: str) -> Nomination:
    """The nominator's revision of a returned nomination, sent to review from its first level."""
    _locked_round(nomination.round)
    db.session.refresh(nomination)
    if not can_revise(actor, nomination):
        raise HonourError("这项推荐现在不能修改。")
    nomination.reasons, nomination.evidence = _check_text(reasons, evidence)
    _step(nomination, actor, "resubmit", nomination.origin_org_id)
    _to_review(nomination)
    db.session.flush()
    return nomination


# The 公示 ----------------------------------------------------------------------------------


def approved(round_: HonourRound) -> list[Nomination]:
    """The approved (or, once published, honoured) nominations, by member name."""
    return list(
        db.session.scalars(
            select(Nomination)
            .join(User, User.id == Nomination.member_id)
            .where(Nomination.round_id == round_.id, Nomination.state.in_(("approved", "honoured")))
            .order_by(User.name_key, Nomination.id)
        )
    )


def start_notice(actor: User, round_: HonourRound, today: date | None = None) -> HonourRound:
    """Close nominations and start the 公示 today, for ``notice_days`` days."""
    today = today or local_today()
    round_ = _locked_round(round_)
    if not runs_round(actor, round_):
        raise HonourError("只有本级党委可以启动公示。")
    if round_.state != "nominating":
        raise HonourError("本次评选已经公示过了。")
    if today <= round_.nomination_deadline:
        raise HonourError("推荐截止后才能启动公示。")
    count = len(approved(round_))
    if count == 0:
        raise HonourError("还没有审核通过的推荐，不能公示。")
    if count > round_.quota:
        raise HonourError(f"审核通过 {count} 人，超过名额 {round_.quota} 人，请先退回部分推荐。")
    round_.state = "notice"
    round_.notice_starts_on = today
    round_.notice_ends_on = today + timedelta(days=round_.notice_days - 1)
    db.session.flush()
    return round_


def _store_file(data: bytes, original: str, folder: Path) -> tuple[str, str]:
    """Store an objection's image as a suggestion's is: checked, re-encoded without metadata."""
    try:
        stored = store_image(data, original, folder, max_bytes=limit_bytes(IMAGE_LIMIT))
    except ImageRejected as exc:
        raise HonourError(str(exc)) from None
    return stored.name, stored.mime


def object_to(
    actor: User,
    nomination: Nomination,
    body: str,
    *,
    file: tuple[bytes, str] | None = None,
    folder: Path | None = None,
    today: date | None = None,
) -> Objection:
    """A member's objection to a nominee in the 公示, for the round's committee to handle."""
    today = today or local_today()
    round_ = nomination.round
    if not can_object(actor, round_) or not round_.in_notice(today):
        raise HonourError("现在不在公示期内，不能提出异议。")
    if nomination.state != "approved":
        raise HonourError("这名党员不在公示名单中。")
    body = body.strip()
    if not body or len(body) > TEXT_MAX:
        raise HonourError(f"请填写异议内容（{TEXT_MAX} 字以内）。")
    name = mime = None
    if file is not None and folder is not None:
        name, mime = _store_file(file[0], file[1], folder)
    objection = Objection(
        round_id=round_.id,
        nomination_id=nomination.id,
        author_id=actor.id,
        body=body,
        file_name=name,
        file_mime=mime,
        state="open",
    )
    db.session.add(objection)
    db.session.flush()
    # Only the committee's staff learn of it, and the text names neither side.
    notify(
        db.session.scalars(staff_of([round_.org_id], managing=True)),
        "honour",
        f"“{round_.title}”公示收到一条异议，请处理。",
        f"/manage/honours/{round_.id}#objections",
        exclude=actor,
    )
    return objection


def resolve(actor: User, objection: Objection, *, upheld: bool, text: str) -> Objection:
    """Uphold (the nomination is withdrawn with the reason) or dismiss (a reply to the member)."""
    round_ = _locked_round(objection.nomination.round)
    db.session.refresh(objection)
    if not can_resolve(actor, objection, round_) or round_.state != "notice":
        raise HonourError("这条异议不能由您处理。")
    text = text.strip()
    if not text or len(text) > COMMENT_MAX:
        raise HonourError(f"请写明处理意见（{COMMENT_MAX} 字以内）。")
    objection.state = "upheld" if upheld else "dismissed"
    objection.resolution, objection.resolved_by_id, objection.resolved_at = text, actor.id, utcnow()
    nomination = objection.nomination
    if upheld and nomination.state == "approved":
        nomination.state = "withdrawn"
        _step(nomination, actor, "withdraw", round_.org_id, text)
    verdict = "异议成立，已撤销该推荐" if upheld else "经核实异议不成立"
    notify(
        [objection.author],
        "honour",
        f"您对“{round_.title}”公示提出的异议已处理：{verdict}。",
        f"/honours/rounds/{round_.id}/notice#objection-{objection.id}",
    )
    db.session.flush()
    return objection


def open_objections(round_: HonourRound) -> int:
    """How many objections of the round are still open."""
    return (
        db.session.scalar(
            select(func.count(Objection.id)).where(
                Objection.round_id == round_.id, Objection.state == "open"
            )
        )
        or 0
    )


def publish(actor: User, round_: HonourRound, today: date | None = None) -> list[Honour]:
    """After the 公示, with no open objection: an honour record for each approved nominee."""
    today = today or local_today()
    round_ = _locked_round(round_)
    if not runs_round(actor, round_):
        raise HonourError("只有本级党委可以公布结果。")
    if round_.state != "notice":
        raise HonourError("公示之后才能公布结果。")
    if round_.notice_ends_on is not None and today <= round_.notice_ends_on:
        raise HonourError(f"公示期到 {round_.notice_ends_on.isoformat()} 结束，之后才能公布。")
    if open_objections(round_):
        raise HonourError("还有未处理的异议，处理完后才能公布。")
    honours = []
    for nomination in approved(round_):
        member = nomination.member
        honour = Honour(
            member_id=member.id,
            kind="award",
            round_id=round_.id,
            year=round_.year,
            title=round_.title,
            member_name=member.name,
            org_name=round_.org.name,
            awarded_on=today,
            reason=nomination.reasons,
            created_by_id=actor.id,
        )
        db.session.add(honour)
        nomination.state = "honoured"
        _step(nomination, actor, "honour", round_.org_id)
        honours.append(honour)
        notify(
            [member],
            "honour",
            f"您被{round_.org.name}评为{round_.year} 年度“{round_.title}”。",
            "/honours/",
        )
    round_.state, round_.published_at = "published", utcnow()
    db.session.flush()
    # After the flush, so each record has its id for whoever reacts (points, for one).
    for honour in honours:
        events.honour_published.send(
            db.session.get(User, honour.member_id), honour=honour, at=round_.published_at
        )
    return honours


# Honours -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HonourLine:
    honour: Honour
    revocation: Honour | None

    @property
    def is_revoked(self) -> bool:
        return self.revocation is not None


def honours_of(member: User) -> list[HonourLine]:
    """The member's honours, the newest first, each with its revocation if there is one."""
    rows = list(
        db.session.scalars(
            select(Honour).where(Honour.member_id == member.id).order_by(Honour.id.desc())
        )
    )
    revoked = {h.revokes_id: h for h in rows if h.kind == "revocation"}
    return [HonourLine(h, revoked.get(h.id)) for h in rows if h.kind == "award"]


def honours_of_round(round_: HonourRound) -> list[HonourLine]:
    """The honours a round gave, by member name, each with its revocation if there is one."""
    rows = list(
        db.session.scalars(
            select(Honour)
            .where(Honour.round_id == round_.id)
            .order_by(Honour.kind, Honour.member_name, Honour.id)
        )
    )
    revoked = {h.revokes_id: h for h in rows if h.kind == "revocation"}
    return [HonourLine(h, revoked.get(h.id)) for h in rows if h.kind == "award"]


def revoke_honour(actor: User, honour: Honour, reason: str, today: date | None = None) -> Honour:
    """Revoke an honour with a new record naming it (the award itself is never changed)."""
    round_ = db.session.get(HonourRound, honour.round_id) if honour.round_id else None
    if honour.kind != "award" or round_ is None or not runs_round(actor, round_):
        raise HonourError("您不能撤销这项表彰。")
    reason = reason.strip()
    if not reason or len(reason) > COMMENT_MAX:
        raise HonourError(f"请写明撤销理由（{COMMENT_MAX} 字以内）。")
    revocation = Honour(
        member_id=honour.member_id,
        kind="revocation",
        round_id=honour.round_id,
        revokes_id=honour.id,
        year=honour.year,
        title=honour.title,
        member_name=honour.member_name,
        org_name=honour.org_name,
        awarded_on=today or local_today(),
        reason=reason,
        created_by_id=actor.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(revocation)
            db.session.flush()
    except IntegrityError:
        raise HonourError("这项表彰已经撤销。") from None
    events.honour_revoked.send(
        db.session.get(User, honour.member_id),
        honour=honour,
        revocation=revocation,
        at=revocation.created_at,
    )
    return revocation


# Lists -------------------------------------------------------------------------------------


def visible_nominations(viewer: User, round_: HonourRound) -> list[Nomination]:
    """The round's nominations the staff member may see: all for the committee, else those
    made inside the organisations they manage."""
    query = (
        select(Nomination)
        .join(User, User.id == Nomination.member_id)
        .where(Nomination.round_id == round_.id)
        .order_by(Nomination.state, User.name_key, Nomination.id)
    )
    if not is_committee(viewer, round_):
        roots = staff_orgs_in(viewer, round_)
        origin = select(Organisation.id).where(in_subtrees(Organisation.path, roots))
        query = query.where(Nomination.origin_org_id.in_(origin))
    return list(db.session.scalars(query))


def queue_filter(user: User):
    """SQL: nominations in review at a level where the user holds a managing grant."""
    base = Nomination.state == "review"
    if user.is_admin:
        return base
    return base & Nomination.level_org_id.in_([org.id for org in managed_orgs(user)])


def review_queue(user: User, round_: HonourRound | None = None) -> list[Nomination]:
    """Nominations waiting for the user's review (in one round, or in all)."""
    query = select(Nomination).where(queue_filter(user)).order_by(Nomination.id)
    if round_ is not None:
        query = query.where(Nomination.round_id == round_.id)
    return [n for n in db.session.scalars(query) if n.round.state == "nominating"]


def objections(round_: HonourRound) -> list[Objection]:
    """The round's objections, open ones first."""
    return list(
        db.session.scalars(
            select(Objection)
            .where(Objection.round_id == round_.id)
            .order_by(Objection.state != "open", Objection.id)
        )
    )


def cosign_requests(member: User, today: date | None = None) -> list[Nomination]:
    """Peer nominations in the member's branch that still need their signature."""
    today = today or local_today()
    orgs = [oid for oid in (member.home_org_id, member.host_org_id) if oid]
    if not orgs:
        return []
    signed = select(Cosign.nomination_id).where(Cosign.member_id == member.id)
    rows = db.session.scalars(
        select(Nomination).where(
            Nomination.state == "gathering",
            Nomination.origin_org_id.in_(orgs),
            Nomination.nominator_id != member.id,
            Nomination.member_id != member.id,
            Nomination.id.not_in(signed),
        )
    )
    return [n for n in rows if n.round.accepts_nominations(today)]


def my_nominations(member: User) -> list[Nomination]:
    """The nominations the user made, the newest first."""
    return list(
        db.session.scalars(
            select(Nomination)
            .where(Nomination.nominator_id == member.id)
            .order_by(Nomination.id.desc())
        )
    )


def branch_fellows(member: User, round_: HonourRound) -> list[User]:
    """Members the user may propose in a round: active members sharing a branch with them."""
    orgs = [o.id for o in (member.home_org, member.host_org) if o and round_.org.contains(o)]
    if not orgs:
        return []
    rows = db.session.scalars(
        select(User)
        .where(
            or_(User.home_org_id.in_(orgs), User.host_org_id.in_(orgs)),
            User.id != member.id,
            User.active.is_(True),
            User.role != "admin",
        )
        .order_by(User.name_key)
        .limit(500)
    )
    return [u for u in rows if in_round(u, round_)]


def signatures(nomination: Nomination) -> int:
    """How many co-signers a nomination has."""
    return len(nomination.cosigns)


def workbench_counts(user: User) -> tuple[int, int]:
    """Nominations waiting for the user's review, and open objections in rounds they run, in
    one statement (none for staff who manage nothing)."""
    roots = managed_orgs(user)
    if not roots and not user.is_admin:
        return 0, 0
    waiting = (
        select(func.count(Nomination.id))
        .join(HonourRound, HonourRound.id == Nomination.round_id)
        .where(queue_filter(user), HonourRound.state == "nominating")
        .scalar_subquery()
    )
    objections = select(func.count(Objection.id)).where(Objection.state == "open")
    if not user.is_admin:
        rounds = (
            select(HonourRound.id)
            .join(Organisation, Organisation.id == HonourRound.org_id)
            .where(in_subtrees(Organisation.path, roots))
        )
        objections = objections.where(Objection.round_id.in_(rounds))
    row = db.session.execute(select(waiting, objections.scalar_subquery())).one()
    return row[0] or 0, row[1] or 0
