"""The secret-ballot core: one ballot per eligible voter, no link from a ballot to its voter.

Any feature that needs a secret vote (recommendation ballots here; democratic appraisal's peer
ballots built on this) keeps its own rows (candidates, peers, who is eligible) and one
``BallotBox`` for the round, and calls only these functions:

``open_box(kind, opens_at, closes_at, min_turnout=50, min_group=MIN_GROUP) -> BallotBox``
    A new box (flushed). ``kind`` is ``"recommendation"`` or ``"appraisal"``. The window may be
    moved with ``move_box`` until it opens.

``cast(box, voter, marks, now, *, eligible, subjects, choices, max_marks, min_marks=0)``
    Records one ballot. ``marks`` maps subject id → choice string. The caller decides who may
    vote (``eligible``: a bool it computed), the valid ``subjects`` (candidate ids, peer member
    ids) and ``choices``; the core refuses, in this order, a closed window (``BallotClosed``), a
    voter not eligible (``NotEligible``), an unknown subject (``UnknownSubject``), an unknown
    choice (``UnknownChoice``), more than ``max_marks`` or fewer than ``min_marks`` marks
    (``WrongMarkCount``) and a second ballot (``AlreadyVoted``). All are ``BallotError`` with a
    Chinese message; nothing is written when one is raised. It flushes, the caller commits.

    Recommendation: subjects = candidate ids, choices = {"推荐"}, max_marks = K, min_marks = 0
    (a ballot with no mark is a valid abstention and counts in the turnout).
    Peer appraisal: subjects = the peers' member ids (without the voter), choices =
    ``APPRAISAL_CHOICES``, max_marks = min_marks = len(subjects) (one mark per peer).

``voted_at(box, member) -> datetime | None``
    When the member voted (for "您已于 … 投票"), never what.

``turnout(box, eligible_count) -> Turnout``
    How many voted of how many may: for staff at any time.

``results(box, now, eligible_count) -> Results``
    Counts per subject per choice, only after the box closes and only when the turnout reached
    ``min_turnout`` percent and at least ``min_group`` voted (``MIN_GROUP`` = 5 by default: with
    fewer ballots a voter's neighbours could tell one ballot from another). Otherwise
    ``Results.counts`` is None and ``Results.reason`` says why, in Chinese.

How secrecy is kept: the voter's row (``ballot_voters``: box, member, time) and the ballot's
marks (``ballot_marks``: box, random 128-bit key, subject, choice) are written in one transaction
and share nothing. The marks' primary key is the random key, so no id, order or timestamp lines
them up with the voters. A second ballot is stopped by the voters' primary key (box, member),
inserted in a savepoint first: two tabs or two devices at the same moment both try it and
exactly one succeeds. Nothing here logs, notifies or indexes a mark. (The database's own
physical row order is outside what the application can hide; whoever reads raw database pages
is trusted as the database administrator.)
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from school.auth.models import User
from school.ballots.models import BallotBox, BallotMark, BallotVoter
from school.db import db

MIN_GROUP = 5
RECOMMEND = "推荐"
APPRAISAL_CHOICES = ("优秀", "合格", "基本合格", "不合格")


class BallotError(ValueError):
    """A ballot that cannot be cast; the message is for the voter, in Chinese."""


class BallotClosed(BallotError):
    """Cast before the box opens or after it closes."""


class NotEligible(BallotError):
    """The voter is not among those who may vote in this round."""


class UnknownSubject(BallotError):
    """A mark for a candidate or peer that is not on the ballot (a tampered form)."""


class UnknownChoice(BallotError):
    """A mark with a choice that is not on the ballot."""


class WrongMarkCount(BallotError):
    """More marks than allowed, or fewer than required."""


class AlreadyVoted(BallotError):
    """The voter's ballot is already in the box."""


@dataclass(frozen=True)
class Turnout:
    voters: int
    eligible: int

    @property
    def percent(self) -> int:
        """Whole percent, floored (a round reaches 50% only when half have really voted), ≤ 100:
        eligibility follows members' current organisations, so voters may outnumber them."""
        if self.eligible <= 0:
            return 0
        return min(100, self.voters * 100 // self.eligible)


@dataclass(frozen=True)
class Results:
    turnout: Turnout
    # subject id → choice → count; None when the results may not be shown.
    counts: dict[int, dict[str, int]] | None
    reason: str | None = None


def open_box(
    kind: str,
    opens_at: datetime,
    closes_at: datetime,
    min_turnout: int = 50,
    min_group: int = MIN_GROUP,
) -> BallotBox:
    """A new ballot box for a round (flushed, not committed)."""
    box = BallotBox(kind=kind, min_turnout=min_turnout, min_group=min_group)
    move_box(box, opens_at, closes_at, opens_at)
    db.session.add(box)
    db.session.flush()
    return box


def move_box(box: BallotBox, opens_at: datetime, closes_at: datetime, now: datetime) -> None:
    """Set the window: only before the box opens, and it must end after it starts."""
    if box.opens_at is not None and box.has_opened(now):
        raise BallotClosed("投票已经开始，不能再改时间。")
    if closes_at <= opens_at:
        raise BallotError("结束时间须晚于开始时间。")
    box.opens_at, box.closes_at = opens_at, closes_at


def cast(
    box: BallotBox,
    voter: User,
    marks: Mapping[int, str],
    now: datetime,
    *,
    eligible: bool,
    subjects: Collection[int],
    choices: Collection[str],
    max_marks: int,
    min_marks: int = 0,
) -> None:
    """Put one ballot in the box: the voter recorded apart from the marks (see the docstring)."""
    if now < box.opens_at:
        raise BallotClosed("投票尚未开始。")
    if now >= box.closes_at:
        raise BallotClosed("投票已经结束。")
    if not eligible:
        raise NotEligible("您不在这次投票的范围内。")
    allowed = set(subjects)
    if any(subject not in allowed for subject in marks):
        raise UnknownSubject("选票上没有您选的对象，请刷新页面后重新选择。")
    allowed_choices = set(choices)
    if any(choice not in allowed_choices for choice in marks.values()):
        raise UnknownChoice("选票上没有这个选项，请刷新页面后重新选择。")
    if len(marks) > max_marks:
        raise WrongMarkCount(f"最多只能选 {max_marks} 个。")
    if len(marks) < min_marks:
        raise WrongMarkCount(f"请对全部 {min_marks} 个对象作出选择。")
    try:
        with db.session.begin_nested():
            db.session.add(BallotVoter(box_id=box.id, member_id=voter.id, voted_at=now))
            db.session.flush()
    except IntegrityError:
        raise AlreadyVoted("您已经投过票了，每人只能投一次。") from None
    key = secrets.token_hex(16)
    # Sorted by subject: the rows' order says nothing about the order the voter ticked them.
    db.session.add_all(
        BallotMark(box_id=box.id, ballot_key=key, subject_id=subject, choice=marks[subject])
        for subject in sorted(marks)
    )
    db.session.flush()


def voted_at(box: BallotBox, member: User) -> datetime | None:
    """When the member voted in the box, or None: never what they chose."""
    return db.session.scalar(
        select(BallotVoter.voted_at).where(
            BallotVoter.box_id == box.id, BallotVoter.member_id == member.id
        )
    )


def turnout(box: BallotBox, eligible_count: int) -> Turnout:
    """How many have voted of how many may (staff may read it at any time)."""
    voters = db.session.scalar(
        select(func.count()).select_from(BallotVoter).where(BallotVoter.box_id == box.id)
    )
    return Turnout(voters or 0, eligible_count)


def results(box: BallotBox, now: datetime, eligible_count: int) -> Results:
    """Counts per subject and choice after the box closes, when turnout and group allow."""
    seen = turnout(box, eligible_count)
    if not box.is_closed(now):
        return Results(seen, None, "投票结束后才能看到结果。")
    if seen.voters < box.min_group:
        return Results(seen, None, f"投票人数不足 {box.min_group} 人，为保护投票秘密，不公布结果。")
    if seen.percent < box.min_turnout:
        return Results(
            seen,
            None,
            f"投票率 {seen.percent}% 未达到 {box.min_turnout}%，结果无效，不公布。",
        )
    counts: dict[int, dict[str, int]] = {}
    rows = db.session.execute(
        select(BallotMark.subject_id, BallotMark.choice, func.count())
        .where(BallotMark.box_id == box.id)
        .group_by(BallotMark.subject_id, BallotMark.choice)
    )
    for subject, choice, count in rows:
        counts.setdefault(subject, {})[choice] = count
    return Results(seen, counts)
