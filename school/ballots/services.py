"""Recommendation ballots (推荐党代表 / 人大代表 / 政协委员候选人) on the secret-ballot core.

scheduled ──opens_at──▶ open ──closes_at──▶ closed
    └──cancel──▶ cancelled

A committee's secretaries and organisers set one up (candidates, the organisation subtrees whose
members vote, how many each may choose, the window). It changes, and may be cancelled, only
until it opens; each of those steps is appended to its log. The opening and the closing follow
the clock, nobody presses anything. Members vote through ``vote`` → ``secret.cast``: one ballot
each, counted only after the close (see ``school/ballots/secret.py`` for what is kept and what
is not). Every refusal raises ``BallotError`` before anything is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from school.auth.models import User
from school.ballots import secret
from school.ballots.models import (
    BallotBox,
    BallotVoter,
    Candidate,
    Recommendation,
    RecommendationLog,
    RecommendationTarget,
)
from school.ballots.permissions import can_audit, can_create, can_manage, is_eligible
from school.ballots.secret import BallotError
from school.campaigns.services import CampaignError, parse_targets
from school.db import db
from school.formatting import local_datetime
from school.orgs.models import Organisation
from school.orgs.permissions import manages, manages_member
from school.orgs.scope import covers
from school.orgs.services import OrgError, lookup_org

TITLE_MAX, DESCRIPTION_MAX, INTRO_MAX, NAME_MAX = 200, 5000, 500, 50
MAX_CANDIDATES = 100
# Results show with at least half the eligible voting, and five ballots or more.
MIN_TURNOUT = 50
# A closed ballot stays on the member's list this long, with when they voted.
_RECENT = timedelta(days=30)
_BAR = re.compile(r"\s*[|｜]\s*")
_SIDE_WORDS = {"home": "流出地", "host": "流入地"}


@dataclass
class RecommendationInput:
    """What the editor sends, already typed by the form; services check the rest."""

    title: str
    kind: str
    org_text: str
    opens_at: datetime
    closes_at: datetime
    max_choices: int
    candidates_text: str
    targets_text: str
    description: str = ""


@dataclass(frozen=True)
class CandidateLine:
    name: str
    introduction: str
    member: User | None


def parse_candidates(user: User, text: str) -> list[CandidateLine]:
    """One candidate a line: "姓名 | 简介 | 党员账号" (both optional); a member must be in scope."""
    lines = [(n, line.strip()) for n, line in enumerate((text or "").splitlines(), 1)]
    lines = [(n, line) for n, line in lines if line]
    if not lines:
        raise BallotError("请至少填写一名候选人。")
    if len(lines) > MAX_CANDIDATES:
        raise BallotError(f"候选人最多 {MAX_CANDIDATES} 名。")
    candidates: list[CandidateLine] = []
    for number, line in lines:
        parts = _BAR.split(line)
        if len(parts) > 3 or not parts[0]:
            raise BallotError(
                f"候选人第 {number} 行“{line}”看不懂：请按“姓名 | 简介 | 党员账号”填写，"
                "简介和账号可不填。"
            )
        name, intro = parts[0], parts[1] if len(parts) > 1 else ""
        if len(name) > NAME_MAX or len(intro) > INTRO_MAX:
            raise BallotError(
                f"候选人第 {number} 行：姓名最多 {NAME_MAX} 个字，简介最多 {INTRO_MAX} 个字。"
            )
        member = None
        if len(parts) == 3 and parts[2]:
            member = db.session.scalar(
                select(User).where(func.lower(User.username) == parts[2].lower())
            )
            if member is None or not manages_member(user, member):
                raise BallotError(
                    f"候选人第 {number} 行：找不到您管理范围内账号为“{parts[2]}”的党员。"
                )
        if any(c.name == name and c.member == member for c in candidates):
            raise BallotError(f"候选人第 {number} 行：“{name}”重复了。")
        candidates.append(CandidateLine(name, intro, member))
    return candidates


def _org(user: User, text: str) -> Organisation:
    try:
        org = lookup_org(text, user)
    except OrgError as exc:
        raise BallotError(f"发起党组织：{exc}") from None
    if not org.is_open:
        raise BallotError(f"“{org.name}”已撤销或合并，不能再发起投票。")
    if not manages(user, org):
        raise BallotError(f"您不能以“{org.name}”的名义发起投票。")
    return org


def _checked(user: User, data: RecommendationInput, now: datetime):
    if not can_create(user):
        raise BallotError("只有党组织书记、组织委员和管理员能发起推荐投票。")
    title = (data.title or "").strip()
    if not title:
        raise BallotError("请填写投票名称。")
    if len(title) > TITLE_MAX or len(data.description or "") > DESCRIPTION_MAX:
        raise BallotError(f"名称最多 {TITLE_MAX} 个字，说明最多 {DESCRIPTION_MAX} 个字。")
    if data.kind not in ("party_congress", "npc", "cppcc"):
        raise BallotError("请选择推荐类别。")
    if data.closes_at <= max(data.opens_at, now):
        raise BallotError("结束时间须晚于开始时间和现在。")
    org = _org(user, data.org_text)
    try:
        targets = parse_targets(user, data.targets_text)
    except CampaignError as exc:
        raise BallotError(str(exc).replace("参加的党组织", "投票范围")) from None
    candidates = parse_candidates(user, data.candidates_text)
    if not 1 <= data.max_choices <= len(candidates):
        raise BallotError(f"每人可选人数须在 1 到 {len(candidates)}（候选人数）之间。")
    return title, org, targets, candidates


def settings_text(recommendation: Recommendation) -> str:
    """The settings in one line for the log: what was set, never anything about ballots."""
    box = recommendation.box
    return "；".join(
        [
            f"《{recommendation.title}》（{recommendation.kind_label}）",
            f"{local_datetime(box.opens_at)} 至 {local_datetime(box.closes_at)}",
            f"每人最多选 {recommendation.max_choices} 人",
            "候选人：" + "、".join(c.name for c in recommendation.candidates),
            "投票范围：" + "、".join(target_line(t) for t in recommendation.targets),
        ]
    )


def target_line(target: RecommendationTarget) -> str:
    """A target as the editor writes it: "工委 流入地 仅流动党员"."""
    parts = [target.org.code or target.org.name]
    if target.side in _SIDE_WORDS:
        parts.append(_SIDE_WORDS[target.side])
    if target.floating_only:
        parts.append("仅流动党员")
    return " ".join(parts)


def save(
    user: User,
    data: RecommendationInput,
    now: datetime,
    recommendation: Recommendation | None = None,
) -> Recommendation:
    """Set up a recommendation ballot, or change one that has not opened; log either."""
    title, org, targets, candidates = _checked(user, data, now)
    # A start already past opens the ballot now: the log then says when it really opened.
    opens_at = max(data.opens_at, now)
    if recommendation is None:
        box = secret.open_box("recommendation", opens_at, data.closes_at, MIN_TURNOUT)
        recommendation = Recommendation(box=box, created_by_id=user.id, status="active")
        db.session.add(recommendation)
        action = "created"
    else:
        if recommendation.state(now) != "scheduled":
            raise BallotError("投票已经开始、结束或已取消，不能再修改。")
        if not can_manage(user, recommendation):
            raise BallotError("您不能修改这次投票。")
        secret.move_box(recommendation.box, opens_at, data.closes_at, now)
        action = "changed"
    recommendation.title, recommendation.kind = title, data.kind
    recommendation.description = data.description or ""
    recommendation.org, recommendation.max_choices = org, data.max_choices
    # The old rows go first: the new ones may name the same organisation again.
    recommendation.candidates.clear()
    recommendation.targets.clear()
    db.session.flush()
    recommendation.candidates = [
        Candidate(name=c.name, introduction=c.introduction, member=c.member, position=i)
        for i, c in enumerate(candidates)
    ]
    recommendation.targets = [
        RecommendationTarget(org=t.org, side=t.side, floating_only=t.floating_only) for t in targets
    ]
    db.session.flush()
    _log(user, recommendation, action, now)
    return recommendation


def cancel(user: User, recommendation: Recommendation, now: datetime) -> None:
    """Cancel a recommendation ballot before it opens (logged); after that it runs its course."""
    if not can_manage(user, recommendation):
        raise BallotError("您不能取消这次投票。")
    if recommendation.state(now) != "scheduled":
        raise BallotError("只有尚未开始的投票可以取消。")
    recommendation.status = "cancelled"
    db.session.flush()
    _log(user, recommendation, "cancelled", now)


def _log(user: User, recommendation: Recommendation, action: str, now: datetime) -> None:
    db.session.add(
        RecommendationLog(
            recommendation_id=recommendation.id,
            actor_id=user.id,
            action=action,
            detail=settings_text(recommendation),
            at=now,
        )
    )
    db.session.flush()


def eligible_clause(recommendation: Recommendation) -> ColumnElement[bool]:
    """A WHERE clause on User: the members who may vote now (``permissions.is_eligible`` in SQL)."""
    return or_(false(), *[covers(t.org, t.side, t.floating_only) for t in recommendation.targets])


def eligible_count(recommendation: Recommendation) -> int:
    """How many members may vote, by their current organisations (one statement per target
    to find the subtree, one to count)."""
    return (
        db.session.scalar(select(func.count(User.id)).where(eligible_clause(recommendation))) or 0
    )


def vote(member: User, recommendation: Recommendation, candidate_ids: list[int], now: datetime):
    """Cast the member's ballot: up to K candidates marked 推荐 (see ``secret.cast``)."""
    if recommendation.is_cancelled:
        raise secret.BallotClosed("这次投票已取消。")
    secret.cast(
        recommendation.box,
        member,
        dict.fromkeys(candidate_ids, secret.RECOMMEND),
        now,
        eligible=is_eligible(member, recommendation),
        subjects=[c.id for c in recommendation.candidates],
        choices=[secret.RECOMMEND],
        max_marks=recommendation.max_choices,
    )


def load(recommendation_id: int) -> Recommendation | None:
    """A recommendation with its box, organisation, candidates and targets (three statements:
    the ballot page and the vote are the hot path, and each round trip counts)."""
    return db.session.scalar(
        select(Recommendation)
        .where(Recommendation.id == recommendation_id)
        .options(
            joinedload(Recommendation.box),
            joinedload(Recommendation.org),
            selectinload(Recommendation.candidates),
            selectinload(Recommendation.targets).joinedload(RecommendationTarget.org),
        )
    )


def load_places(member: User) -> None:
    """Load the member's home and host organisations in one statement (none when they are
    loaded already), so that ``is_eligible`` reads them without a lazy load each."""
    loaded = db.session.identity_map
    wanted = {
        attr: org_id
        for attr, org_id in (("home_org", member.home_org_id), ("host_org", member.host_org_id))
        if org_id is not None
        and attr not in member.__dict__
        and loaded.get(db.session.identity_key(Organisation, org_id)) is None
    }
    if wanted:
        query = select(Organisation).where(Organisation.id.in_(set(wanted.values())))
        orgs = {org.id: org for org in db.session.scalars(query)}
        for attr, org_id in wanted.items():
            if org_id in orgs:  # held by the member, so the identity map keeps it
                set_committed_value(member, attr, orgs[org_id])


def _with_parts():
    return (
        selectinload(Recommendation.box),
        selectinload(Recommendation.org),
        selectinload(Recommendation.targets).selectinload(RecommendationTarget.org),
    )


def visible(user: User) -> list[Recommendation]:
    """The recommendations a staff member's list shows: those they may audit, newest first."""
    query = (
        select(Recommendation)
        .join(BallotBox, BallotBox.id == Recommendation.box_id)
        .options(*_with_parts())
        .order_by(BallotBox.closes_at.desc(), Recommendation.id.desc())
    )
    return [r for r in db.session.scalars(query) if can_audit(user, r)]


@dataclass(frozen=True)
class MemberBallot:
    recommendation: Recommendation
    voted_at: datetime | None


def for_member(member: User, now: datetime, *, open_only: bool = False) -> list[MemberBallot]:
    """The member's recommendation ballots, open ones first: open now, or (unless
    ``open_only``) closed in the last 30 days, with when they voted (one statement when none
    is open; five at most)."""
    window = BallotBox.closes_at > now if open_only else BallotBox.closes_at > now - _RECENT
    query = (
        select(Recommendation)
        .join(BallotBox, BallotBox.id == Recommendation.box_id)
        .where(Recommendation.status == "active", BallotBox.opens_at <= now, window)
        .options(*_with_parts())
        .order_by(BallotBox.closes_at, Recommendation.id)
    )
    mine = [r for r in db.session.scalars(query) if is_eligible(member, r)]
    if not mine:
        return []
    voted = dict(
        db.session.execute(
            select(BallotVoter.box_id, BallotVoter.voted_at).where(
                BallotVoter.member_id == member.id,
                BallotVoter.box_id.in_([r.box_id for r in mine]),
            )
        ).all()
    )
    ballots = [MemberBallot(r, voted.get(r.box_id)) for r in mine]
    return sorted(ballots, key=lambda b: b.recommendation.box.is_closed(now))


@dataclass(frozen=True)
class Audit:
    turnout: secret.Turnout
    results: secret.Results
    # (candidate, votes) most votes first, when the results may be shown.
    rows: list[tuple[Candidate, int]]


def audit(recommendation: Recommendation, now: datetime) -> Audit:
    """Turnout at any time; counts per candidate after the close when the core allows them."""
    count = eligible_count(recommendation)
    results = secret.results(recommendation.box, now, count)
    rows: list[tuple[Candidate, int]] = []
    if results.counts is not None:
        rows = [
            (c, results.counts.get(c.id, {}).get(secret.RECOMMEND, 0))
            for c in recommendation.candidates
        ]
        rows.sort(key=lambda row: -row[1])
    return Audit(results.turnout, results, rows)
