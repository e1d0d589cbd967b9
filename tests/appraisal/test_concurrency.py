"""A participant casting the peer ballot from two devices at the same moment, on a database whose
commits are real: exactly one ballot goes in, the other is refused as already voted."""

from sqlalchemy import func, select

from school.appraisal import services
from school.auth.models import User
from school.ballots.models import BallotMark, BallotVoter
from school.ballots.secret import AlreadyVoted
from school.db import db, utcnow
from tests.appraisal.factories import make_round
from tests.factories import build_world
from tests.racing import race


def _vote(round_id: int, member_id: int, grade: str):
    def action():
        appraisal = services.load(round_id)
        member = db.session.get(User, member_id)
        marks = {p.id: grade for p in services.peers_of(member, appraisal)}
        services.vote(member, appraisal, marks, utcnow())
        return "voted"

    return action


def test_two_devices_at_the_same_moment_cast_one_ballot(committed_app):
    with committed_app.app_context():
        world = build_world()
        round_id = make_round().id  # 张党员, 赵书记, 孙查看: two peers each
        db.session.commit()
    for member in (world.member, world.viewer):  # twice: the race should not be won by luck
        results = race(
            committed_app, [_vote(round_id, member, "优秀"), _vote(round_id, member, "合格")]
        )
        assert sorted(type(r).__name__ for r in results) == ["AlreadyVoted", "str"], results
        assert any(isinstance(r, AlreadyVoted) for r in results)
    with committed_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BallotVoter)) == 2
        assert db.session.scalar(select(func.count()).select_from(BallotMark)) == 4
