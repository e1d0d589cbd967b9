"""Two organisers crediting the same list at the same moment: each member is credited once,
and the one who comes second is told so (a message, not an error page)."""

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from school.archive.models import ArchiveEntry, YearProgress
from school.auth.models import User
from school.clock import local_today
from school.credits import services
from school.credits.models import CreditBatchMember
from school.db import db
from school.orgs.services import find_org
from tests.factories import build_world, make_user
from tests.racing import race


def _credit(actor_id: int, member_ids: list[int], key: str, day: date):
    def action():
        actor = db.session.get(User, actor_id)
        study = services.check_study(
            actor,
            kind="branch_meeting",
            title="支部党员大会",
            held_on=day,
            hours=Decimal(2),
            org_id=find_org("一支部").id,
            today=day,
        )
        plan = services.plan_members(actor, study, member_ids)
        return services.credit(actor, plan, request_key=key).batch.credited

    return action


def test_two_organisers_crediting_one_list_at_once_credit_each_member_once(committed_app):
    with committed_app.app_context():
        world = build_world()
        branch = find_org("一支部")
        ids = [make_user(f"m{i}", f"党员{i}", home_org=branch).id for i in range(30)]
        db.session.commit()
        day = local_today()
    results = race(
        committed_app,
        [
            _credit(world.secretary, ids, "first", day),
            _credit(world.admin, list(reversed(ids)), "second", day),
        ],
    )
    credited = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, services.CreditError)]
    # One credits everyone; the other either finds them credited when it plans (SQLite's
    # writers take turns) or when it inserts (PostgreSQL), and says so.
    assert credited == [30] and len(refused) == 1, results
    assert "已" in str(refused[0])
    with committed_app.app_context():
        per_member = db.session.execute(
            select(ArchiveEntry.member_id, func.count())
            .where(ArchiveEntry.dedupe_key.like("group:%"))
            .group_by(ArchiveEntry.member_id)
        ).all()
        assert sorted(per_member) == [(i, 1) for i in sorted(ids)]
        assert db.session.scalar(select(func.count()).select_from(CreditBatchMember)) == 30
        hours = db.session.scalars(
            select(YearProgress.hours).where(YearProgress.member_id.in_(ids))
        ).all()
        assert hours == [Decimal(2)] * 30
