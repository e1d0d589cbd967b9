"""The same member voting from two tabs or two devices at the same moment, on a database whose
commits are real: exactly one ballot goes in, the other is refused as already voted."""

from sqlalchemy import func, select

from school.auth.models import User
from school.ballots import services
from school.ballots.models import BallotMark, BallotVoter, Recommendation
from school.ballots.secret import AlreadyVoted
from school.db import db, utcnow
from tests.ballots.factories import make_recommendation
from tests.factories import build_world
from tests.racing import race


def _vote(rec_id: int, member_id: int, candidate_id: int):
    def action():
        services.vote(
            db.session.get(User, member_id),
            services.load(rec_id),
            [candidate_id],
            utcnow(),
        )
        return "voted"

    return action


def test_two_devices_at_the_same_moment_cast_one_ballot(committed_app):
    with committed_app.app_context():
        world = build_world()
        rec = make_recommendation(max_choices=1)
        rec_id, first, second = rec.id, rec.candidates[0].id, rec.candidates[1].id
        db.session.commit()
    for attempt in range(2):  # twice: the race should not be won by luck
        member = world.member if attempt == 0 else world.viewer
        results = race(
            committed_app,
            [_vote(rec_id, member, first), _vote(rec_id, member, second)],
        )
        assert sorted(type(r).__name__ for r in results) == ["AlreadyVoted", "str"], results
        assert any(isinstance(r, AlreadyVoted) for r in results)
    with committed_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BallotVoter)) == 2
        assert db.session.scalar(select(func.count()).select_from(BallotMark)) == 2
        assert db.session.get(Recommendation, rec_id) is not None
