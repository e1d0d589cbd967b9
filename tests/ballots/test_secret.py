"""The secret-ballot core: every refusal writes nothing, a second ballot is refused, results
need the close, the turnout and the group size, and nothing in the schema ties a mark to a
voter. Used both ways: recommendation (K of N) and peer appraisal (one grade per peer)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, inspect, select

from school.ballots import secret
from school.ballots.models import BallotMark, BallotVoter
from school.db import db
from tests.factories import make_user

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
OPEN, CLOSE = T0, T0 + timedelta(hours=2)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_cast_refuses_bad_ballots_and_a_second_one_then_counts_after_the_close(app, world):
    with app.app_context():
        voters = [make_user(f"voter{i}", f"投票人{i}") for i in range(6)]
        box = secret.open_box("recommendation", OPEN, CLOSE, min_turnout=50, min_group=5)
        kwargs = dict(eligible=True, subjects=[11, 12, 13], choices=["推荐"], max_marks=2)
        inside = OPEN + timedelta(minutes=5)
        refused = [
            (secret.BallotClosed, {11: "推荐"}, OPEN - timedelta(seconds=1), {}),
            (secret.BallotClosed, {11: "推荐"}, CLOSE, {}),
            (secret.NotEligible, {11: "推荐"}, inside, {"eligible": False}),
            (secret.UnknownSubject, {99: "推荐"}, inside, {}),
            (secret.UnknownChoice, {11: "反对"}, inside, {}),
            (secret.WrongMarkCount, {11: "推荐", 12: "推荐", 13: "推荐"}, inside, {}),
        ]
        for error, marks, now, override in refused:
            with pytest.raises(error) as caught:
                secret.cast(box, voters[0], marks, now, **{**kwargs, **override})
            assert isinstance(caught.value, secret.BallotError)
            assert any("\u4e00" <= ch <= "\u9fff" for ch in str(caught.value))
        assert (_count(BallotVoter), _count(BallotMark)) == (0, 0)

        secret.cast(box, voters[0], {11: "推荐", 12: "推荐"}, inside, **kwargs)
        with pytest.raises(secret.AlreadyVoted):
            secret.cast(box, voters[0], {13: "推荐"}, inside, **kwargs)
        assert (_count(BallotVoter), _count(BallotMark)) == (1, 2)
        assert secret.voted_at(box, voters[0]) == inside
        assert secret.voted_at(box, voters[1]) is None

        # Four voters of ten: too few for the group, and 40% is under the minimum turnout.
        for voter in voters[1:4]:
            secret.cast(box, voter, {11: "推荐"}, inside, **kwargs)
        assert secret.turnout(box, 10).percent == 40
        early = secret.results(box, inside, 10)
        assert early.counts is None and "结束后" in early.reason
        small = secret.results(box, CLOSE, 4)
        assert small.counts is None and "不足 5 人" in small.reason
        secret.cast(box, voters[4], {}, inside, **kwargs)  # an abstention still turns out
        low = secret.results(box, CLOSE, 11)
        assert low.counts is None and "45%" in low.reason
        shown = secret.results(box, CLOSE, 10)
        assert shown.turnout.voters == 5 and shown.turnout.percent == 50
        assert shown.counts == {11: {"推荐": 4}, 12: {"推荐": 1}}


def test_peer_appraisal_uses_the_core_with_one_grade_per_peer(app, world):
    with app.app_context():
        peers = [make_user(f"peer{i}", f"同志{i}") for i in range(5)]
        box = secret.open_box("appraisal", OPEN, CLOSE, min_turnout=80)
        inside = OPEN + timedelta(minutes=1)
        for voter in peers:
            others = [p.id for p in peers if p.id != voter.id]
            kwargs = dict(
                eligible=True,
                subjects=others,
                choices=secret.APPRAISAL_CHOICES,
                max_marks=len(others),
                min_marks=len(others),
            )
            with pytest.raises(secret.WrongMarkCount):
                secret.cast(box, voter, {others[0]: "优秀"}, inside, **kwargs)
            with pytest.raises(secret.UnknownSubject):  # nobody rates themselves
                secret.cast(
                    box, voter, dict.fromkeys([voter.id, *others[1:]], "合格"), inside, **kwargs
                )
            secret.cast(box, voter, dict.fromkeys(others, "合格"), inside, **kwargs)
        counts = secret.results(box, CLOSE, 5).counts
        assert counts == {p.id: {"合格": 4} for p in peers}


def test_nothing_in_the_schema_ties_a_mark_to_a_voter(app):
    marks = inspect(BallotMark)
    assert {c.name for c in marks.columns} == {"box_id", "ballot_key", "subject_id", "choice"}
    assert [c.name for c in marks.primary_key] == ["box_id", "ballot_key", "subject_id"]
    assert {fk.column.table.name for fk in BallotMark.__table__.foreign_keys} == {"ballot_boxes"}
    assert marks.relationships.keys() == [] and inspect(BallotVoter).relationships.keys() == []
    assert {c.name for c in inspect(BallotVoter).columns} == {"box_id", "member_id", "voted_at"}
    with app.app_context():
        keys = set()
        box = secret.open_box("recommendation", OPEN, CLOSE)
        for i in range(3):
            voter = make_user(f"key{i}", f"投票人{i}")
            secret.cast(
                box,
                voter,
                {1: "推荐"},
                OPEN,
                eligible=True,
                subjects=[1],
                choices=["推荐"],
                max_marks=1,
            )
        keys = set(db.session.scalars(select(BallotMark.ballot_key)))
        assert len(keys) == 3 and all(len(k) == 32 for k in keys)
