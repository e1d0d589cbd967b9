"""Democratic appraisal (民主评议党员) on the secret-ballot core.

scheduled ──opens_at──▶ open ──closes_at──▶ closed ──grades──▶ graded

Staff who manage an organisation set up a round for the members of its subtree on one side
(home or host); the members covered then are its participants, from 2 to 100 (a peer ballot of
hundreds cannot be filled in honestly: larger units hold it per branch). While it is open each
participant writes a self-appraisal (editable until the close) and casts one peer ballot through
``secret.cast``, one mark per other participant. After the close staff see the counts per peer
(when the core's minimum turnout and smallest group allow) beside the target result and the
self-grade, and record each participant's final grade: appended, the newest in force, the
member notified. Every refusal raises ``AppraisalError`` (or the core's ``BallotError``) before
anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from school.appraisal.models import (
    GRADES,
    AppraisalGrade,
    AppraisalParticipant,
    AppraisalRound,
    SelfAppraisal,
)
from school.appraisal.permissions import can_create, can_grade, can_view_round
from school.auth.models import User
from school.ballots import secret
from school.ballots.models import BallotBox
from school.ballots.secret import BallotError
from school.db import db
from school.notifications.services import notify
from school.orgs.models import Organisation
from school.orgs.permissions import manages
from school.orgs.scope import covers
from school.orgs.services import OrgError, lookup_org
from school.targets.services import TargetResult, results_for

TITLE_MAX, SELF_MAX, COMMENT_MAX = 200, 500, 1000
MIN_PARTICIPANTS, MAX_PARTICIPANTS = 2, 100
DEFAULT_TURNOUT = 80


class AppraisalError(BallotError):
    """A step of the appraisal that cannot be taken; the message is for the user, in Chinese."""


@dataclass
class RoundInput:
    """What the new-round form sends, already typed; the service checks the rest."""

    org_text: str
    side: str
    year: int
    title: str
    opens_at: datetime
    closes_at: datetime
    min_turnout: int = DEFAULT_TURNOUT


def _org(user: User, text: str) -> Organisation:
    try:
        org = lookup_org(text, user)
    except OrgError as exc:
        raise AppraisalError(f"党组织：{exc}") from None
    if not org.is_open:
        raise AppraisalError(f"“{org.name}”已撤销或合并，不能再组织评议。")
    if not manages(user, org):
        raise AppraisalError(f"您不能组织“{org.name}”的民主评议。")
    return org


def create_round(user: User, data: RoundInput, now: datetime) -> AppraisalRound:
    """Set up a round: its ballot box, and its participants as the organisation covers them now."""
    if not can_create(user):
        raise AppraisalError("只有党组织书记、组织委员和管理员能组织民主评议。")
    title = (data.title or "").strip()
    if not title or len(title) > TITLE_MAX:
        raise AppraisalError(f"请填写评议名称（最多 {TITLE_MAX} 个字）。")
    if data.side not in ("home", "host"):
        raise AppraisalError("请选择按流出地还是流入地组织评议。")
    if not 2000 <= data.year <= 2100:
        raise AppraisalError("年度不正确。")
    if not 0 <= data.min_turnout <= 100:
        raise AppraisalError("最低投票率须在 0 到 100 之间。")
    if data.closes_at <= max(data.opens_at, now):
        raise AppraisalError("结束时间须晚于开始时间和现在。")
    org = _org(user, data.org_text)
    members = list(
        db.session.scalars(
            select(User)
            .where(covers(org, data.side))
            .order_by(User.name_key, User.id)
            .limit(MAX_PARTICIPANTS + 1)
        )
    )
    if len(members) > MAX_PARTICIPANTS:
        raise AppraisalError(
            f"“{org.name}”的参评党员超过 {MAX_PARTICIPANTS} 人：互相测评人数太多无法认真填写，"
            "请按党支部分别组织民主评议。"
        )
    if len(members) < MIN_PARTICIPANTS:
        raise AppraisalError(
            f"“{org.name}”的参评党员不足 {MIN_PARTICIPANTS} 人，无法开展互相测评。"
        )
    box = secret.open_box(
        "appraisal", max(data.opens_at, now), data.closes_at, data.min_turnout, secret.MIN_GROUP
    )
    appraisal = AppraisalRound(
        box=box, org=org, side=data.side, year=data.year, title=title, created_by_id=user.id
    )
    appraisal.participants = [AppraisalParticipant(member=m) for m in members]
    db.session.add(appraisal)
    db.session.flush()
    return appraisal


def load(round_id: int) -> AppraisalRound | None:
    """A round with its box, organisation and participants (with their accounts)."""
    return db.session.scalar(
        select(AppraisalRound)
        .where(AppraisalRound.id == round_id)
        .options(
            joinedload(AppraisalRound.box),
            joinedload(AppraisalRound.org),
            selectinload(AppraisalRound.participants).joinedload(AppraisalParticipant.member),
        )
    )


def participant_ids(appraisal: AppraisalRound) -> set[int]:
    """The ids of the round's participants."""
    return {p.member_id for p in appraisal.participants}


def peers_of(member: User, appraisal: AppraisalRound) -> list[User]:
    """The other participants: the subjects of the member's peer ballot."""
    return [p.member for p in appraisal.participants if p.member_id != member.id]


def _require_participant(member: User, appraisal: AppraisalRound) -> None:
    if member.id not in participant_ids(appraisal):
        raise AppraisalError("您不是这次民主评议的参评党员。")


def self_of(appraisal: AppraisalRound, member: User) -> SelfAppraisal | None:
    """The member's self-appraisal in the round, if written."""
    return db.session.scalar(
        select(SelfAppraisal).where(
            SelfAppraisal.round_id == appraisal.id, SelfAppraisal.member_id == member.id
        )
    )


def save_self(
    member: User, appraisal: AppraisalRound, grade: str, body: str, now: datetime
) -> SelfAppraisal:
    """Write or change the member's self-appraisal while the round is open."""
    _require_participant(member, appraisal)
    if appraisal.state(now) != "open":
        raise AppraisalError(
            "自我评议只能在评议期间填写。"
            if appraisal.state(now) == "scheduled"
            else "评议已经结束，自我评议不能再修改。"
        )
    body = (body or "").strip()
    if grade not in GRADES:
        raise AppraisalError("请选择自评等次。")
    if not body or len(body) > SELF_MAX:
        raise AppraisalError(f"请填写自我评议（最多 {SELF_MAX} 个字）。")
    mine = self_of(appraisal, member)
    if mine is None:
        mine = SelfAppraisal(round_id=appraisal.id, member_id=member.id)
        db.session.add(mine)
    mine.grade, mine.body, mine.updated_at = grade, body, now
    db.session.flush()
    return mine


def check_marks(member: User, appraisal: AppraisalRound, marks: dict[int, str]) -> None:
    """The confirm step's check: one known grade for every peer, none for oneself."""
    peers = {p.id for p in peers_of(member, appraisal)}
    if member.id in marks:
        raise secret.UnknownSubject("不能给自己投票，请刷新页面后重新选择。")
    if any(subject not in peers for subject in marks):
        raise secret.UnknownSubject("选票上没有您选的对象，请刷新页面后重新选择。")
    if any(choice not in secret.APPRAISAL_CHOICES for choice in marks.values()):
        raise secret.UnknownChoice("选票上没有这个选项，请刷新页面后重新选择。")
    if set(marks) != peers:
        raise secret.WrongMarkCount(f"请对全部 {len(peers)} 名党员作出评价。")


def vote(member: User, appraisal: AppraisalRound, marks: dict[int, str], now: datetime) -> None:
    """Cast the member's peer ballot: one grade for each other participant (``secret.cast``)."""
    ids = participant_ids(appraisal)
    peers = [i for i in ids if i != member.id]
    secret.cast(
        appraisal.box,
        member,
        marks,
        now,
        eligible=member.id in ids,
        subjects=peers,
        choices=secret.APPRAISAL_CHOICES,
        max_marks=len(peers),
        min_marks=len(peers),
    )


def turnout(appraisal: AppraisalRound) -> secret.Turnout:
    """How many participants have cast their peer ballot: for staff at any time."""
    return secret.turnout(appraisal.box, len(appraisal.participants))


def results(appraisal: AppraisalRound, now: datetime) -> secret.Results:
    """Counts per peer per grade, after the close, when the core's rules allow them."""
    return secret.results(appraisal.box, now, len(appraisal.participants))


def current_grades(appraisal: AppraisalRound) -> dict[int, AppraisalGrade]:
    """The grade in force for each graded participant: the newest row."""
    rows = db.session.scalars(
        select(AppraisalGrade)
        .where(AppraisalGrade.round_id == appraisal.id)
        .options(joinedload(AppraisalGrade.graded_by))
        .order_by(AppraisalGrade.id)
    )
    return {row.member_id: row for row in rows}


def grade_history(appraisal: AppraisalRound) -> dict[int, list[AppraisalGrade]]:
    """Every grade recorded in the round per member, newest first."""
    history: dict[int, list[AppraisalGrade]] = {}
    rows = db.session.scalars(
        select(AppraisalGrade)
        .where(AppraisalGrade.round_id == appraisal.id)
        .options(joinedload(AppraisalGrade.graded_by))
        .order_by(AppraisalGrade.id.desc())
    )
    for row in rows:
        history.setdefault(row.member_id, []).append(row)
    return history


def record_grade(
    user: User,
    appraisal: AppraisalRound,
    member_id: int,
    grade: str,
    comment: str,
    now: datetime,
) -> AppraisalGrade:
    """Record (or supersede) a participant's final grade after the close, and tell them."""
    if not can_grade(user, appraisal):
        raise AppraisalError("您不能评定这次民主评议。")
    if appraisal.state(now) != "closed":
        raise AppraisalError("评议结束后才能评定等次。")
    member = next((p.member for p in appraisal.participants if p.member_id == member_id), None)
    if member is None:
        raise AppraisalError("这名党员不在本次评议的参评名单中。")
    if grade not in GRADES:
        raise AppraisalError("请选择评定等次。")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise AppraisalError(f"评语最多 {COMMENT_MAX} 个字。")
    row = AppraisalGrade(
        round_id=appraisal.id,
        member_id=member.id,
        grade=grade,
        comment=comment,
        graded_by_id=user.id,
        graded_at=now,
    )
    db.session.add(row)
    db.session.flush()
    notify(
        [member],
        "appraisal",
        f"{appraisal.org.name}“{appraisal.title}”已评定您的等次，请查看。",
        f"/appraisal/{appraisal.id}#grade",
    )
    return row


@dataclass(frozen=True)
class BoardRow:
    """One participant on the staff's grading page."""

    member: User
    target: TargetResult | None
    self_appraisal: SelfAppraisal | None
    counts: dict[str, int] | None  # grade → how many peers gave it; None when not shown
    grade: AppraisalGrade | None
    history: list[AppraisalGrade]


def board(appraisal: AppraisalRound, now: datetime, peer: secret.Results) -> list[BoardRow]:
    """Each participant with the target result, self-grade, peer counts and grades."""
    selves = {
        s.member_id: s
        for s in db.session.scalars(
            select(SelfAppraisal).where(SelfAppraisal.round_id == appraisal.id)
        )
    }
    history = grade_history(appraisal)
    members = [p.member for p in appraisal.participants]
    # The target results matter for grading, which begins at the close.
    targets = results_for(members, appraisal.year) if appraisal.state(now) == "closed" else {}
    rows = []
    for p in appraisal.participants:
        counts = None
        if peer.counts is not None:
            given = peer.counts.get(p.member_id, {})
            counts = {g: given.get(g, 0) for g in GRADES}
        rows.append(
            BoardRow(
                member=p.member,
                target=targets.get(p.member_id),
                self_appraisal=selves.get(p.member_id),
                counts=counts,
                grade=(history.get(p.member_id) or [None])[0],
                history=history.get(p.member_id, []),
            )
        )
    return rows


def _with_parts():
    return (selectinload(AppraisalRound.box), selectinload(AppraisalRound.org))


def visible(user: User) -> list[AppraisalRound]:
    """The rounds on a staff member's list: those whose organisation they read, newest first."""
    query = (
        select(AppraisalRound)
        .join(BallotBox, BallotBox.id == AppraisalRound.box_id)
        .options(*_with_parts())
        .order_by(BallotBox.closes_at.desc(), AppraisalRound.id.desc())
    )
    return [r for r in db.session.scalars(query) if can_view_round(user, r)]


def participant_counts(rounds: list[AppraisalRound]) -> dict[int, int]:
    """How many take part in each round (one statement)."""
    if not rounds:
        return {}
    return dict(
        db.session.execute(
            select(AppraisalParticipant.round_id, func.count())
            .where(AppraisalParticipant.round_id.in_([r.id for r in rounds]))
            .group_by(AppraisalParticipant.round_id)
        ).all()
    )


@dataclass(frozen=True)
class MemberRound:
    appraisal: AppraisalRound
    voted_at: datetime | None
    grade: AppraisalGrade | None


def for_member(member: User, *, open_only: bool = False, now: datetime | None = None):
    """The rounds the member takes part in, newest first, with their vote time and grade."""
    query = (
        select(AppraisalRound)
        .join(AppraisalParticipant, AppraisalParticipant.round_id == AppraisalRound.id)
        .join(BallotBox, BallotBox.id == AppraisalRound.box_id)
        .where(AppraisalParticipant.member_id == member.id)
        .options(*_with_parts())
        .order_by(BallotBox.closes_at.desc(), AppraisalRound.id.desc())
    )
    if open_only and now is not None:
        query = query.where(BallotBox.opens_at <= now, BallotBox.closes_at > now)
    rounds = list(db.session.scalars(query))
    if not rounds:
        return []
    grades = _grades_of(member, [r.id for r in rounds])
    return [MemberRound(r, secret.voted_at(r.box, member), grades.get(r.id)) for r in rounds]


def _grades_of(member: User, round_ids: list[int] | None = None) -> dict[int, AppraisalGrade]:
    query = (
        select(AppraisalGrade)
        .where(AppraisalGrade.member_id == member.id)
        .options(joinedload(AppraisalGrade.round).joinedload(AppraisalRound.org))
        .order_by(AppraisalGrade.id)
    )
    if round_ids is not None:
        query = query.where(AppraisalGrade.round_id.in_(round_ids))
    return {row.round_id: row for row in db.session.scalars(query)}


def grades_of(member: User) -> list[AppraisalGrade]:
    """The member's grades in force, one per round, newest year first (the archive's record)."""
    return sorted(_grades_of(member).values(), key=lambda g: (-g.round.year, -g.id))


def grade_for_year(member: User, year: int) -> AppraisalGrade | None:
    """The member's newest grade in force among the rounds of a year."""
    return next((g for g in grades_of(member) if g.round.year == year), None)


def ungraded_rounds(user: User, now: datetime) -> int:
    """Closed rounds the user grades with a participant still without a grade (two statements)."""
    graded = (
        select(func.count(func.distinct(AppraisalGrade.member_id)))
        .where(AppraisalGrade.round_id == AppraisalRound.id)
        .scalar_subquery()
    )
    everyone = (
        select(func.count())
        .select_from(AppraisalParticipant)
        .where(AppraisalParticipant.round_id == AppraisalRound.id)
        .scalar_subquery()
    )
    query = (
        select(AppraisalRound)
        .join(BallotBox, BallotBox.id == AppraisalRound.box_id)
        .where(BallotBox.closes_at <= now, graded < everyone)
        .options(selectinload(AppraisalRound.org))
    )
    return sum(1 for r in db.session.scalars(query) if can_grade(user, r))
