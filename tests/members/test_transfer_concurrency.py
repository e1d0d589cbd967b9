"""Two tabs taking a step on one transfer request at the same moment: one wins, the other is
refused with what became of the request, and the member moves at most once."""

from sqlalchemy import func, select

from school.auth.models import User
from school.db import db
from school.members import transfers
from school.members.models import FlowEvent, Transfer
from school.orgs.models import Organisation
from tests.factories import build_world
from tests.racing import race


def _org(name: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


def _in_request(app, step):
    """The service links its notifications to pages: run it as a request would."""

    def action():
        with app.test_request_context():
            return step()

    return action


def _accept(app, transfer_id: int, user_id: int, placed: str):
    return _in_request(
        app,
        lambda: (
            transfers.accept_transfer(
                db.session.get(User, user_id), db.session.get(Transfer, transfer_id), _org(placed)
            ).state
        ),
    )


def _withdraw(app, transfer_id: int, user_id: int):
    return _in_request(
        app,
        lambda: (
            transfers.withdraw_transfer(
                db.session.get(User, user_id), db.session.get(Transfer, transfer_id)
            ).state
        ),
    )


def _requested(app):
    with app.app_context():
        world = build_world()
        db.session.commit()
    with app.test_request_context():
        transfer = transfers.request_transfer(
            db.session.get(User, world.secretary),
            db.session.get(User, world.member),
            _org("工委"),
            "工作调动",
        )
        db.session.commit()
        return world, transfer.id


def _moves(member_id: int) -> int:
    return db.session.scalar(
        select(func.count(FlowEvent.id)).where(FlowEvent.member_id == member_id)
    )


def test_two_tabs_accepting_at_once_move_the_member_once(committed_app):
    world, transfer_id = _requested(committed_app)
    results = race(
        committed_app,
        [
            _accept(committed_app, transfer_id, world.committee_secretary, "驻深圳支部"),
            _accept(committed_app, transfer_id, world.admin, "工委"),
        ],
    )
    refused = [r for r in results if isinstance(r, transfers.TransferError)]
    assert len(refused) == 1 and "该申请已被接收" in str(refused[0]), results
    assert "accepted" in results
    with committed_app.app_context():
        assert _moves(world.member) == 1
        transfer = db.session.get(Transfer, transfer_id)
        member = db.session.get(User, world.member)
        assert member.home_org_id == transfer.placed_org_id


def test_accepting_and_withdrawing_at_once_one_wins(committed_app):
    world, transfer_id = _requested(committed_app)
    results = race(
        committed_app,
        [
            _accept(committed_app, transfer_id, world.committee_secretary, "驻深圳支部"),
            _withdraw(committed_app, transfer_id, world.secretary),
        ],
    )
    assert sum(isinstance(r, transfers.TransferError) for r in results) == 1, results
    with committed_app.app_context():
        transfer = db.session.get(Transfer, transfer_id)
        member = db.session.get(User, world.member)
        assert transfer.state in results
        moved = transfer.state == "accepted"
        assert _moves(world.member) == int(moved)
        assert (member.home_org.name == "驻深圳支部") == moved


def test_two_requests_at_once_file_one(committed_app):
    with committed_app.app_context():
        world = build_world()
        db.session.commit()

    def request(to: str):
        return _in_request(
            committed_app,
            lambda: (
                transfers.request_transfer(
                    db.session.get(User, world.secretary),
                    db.session.get(User, world.member),
                    _org(to),
                    "工作调动",
                ).to_org.name
            ),
        )

    results = race(committed_app, [request("工委"), request("二支部")])
    refused = [r for r in results if isinstance(r, transfers.TransferError)]
    assert len(refused) == 1 and "已有一份待接收的转接申请" in str(refused[0]), results
    with committed_app.app_context():
        rows = db.session.scalars(select(Transfer.to_org_id)).all()
        assert len(rows) == 1
