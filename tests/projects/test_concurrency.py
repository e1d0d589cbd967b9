"""The same form sent from two tabs at the same moment, on a database whose commits are real:
one interest, one referral, one project, one follow-up told once."""

from sqlalchemy import func, select

from school.auth.models import User
from school.clock import local_today
from school.db import db
from school.notifications.models import Notification
from school.projects import interest
from school.projects.models import Project, ProjectFollowUp, ProjectInterest, ProjectReferral
from tests.factories import build_world
from tests.projects.factories import make_project
from tests.racing import race


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _member_and_project(member_id: int, project_id: int) -> tuple[User, Project]:
    return db.session.get(User, member_id), db.session.get(Project, project_id)


def test_two_tabs_register_one_interest_and_one_referral(committed_app):
    with committed_app.app_context():
        world = build_world()
        project_id = make_project(db.session.get(User, world.secretary), "一支部").id
        db.session.commit()

    def register(note: str):
        def action():
            member, project = _member_and_project(world.member, project_id)
            return interest.register_interest(member, project, "invest", note).id

        return action

    def recommend():
        member, project = _member_and_project(world.member, project_id)
        return interest.recommend(member, project, "刘老板", "", "13800138000", "")[0].id

    results = race(committed_app, [register("一"), register("二")])
    assert all(isinstance(r, int) for r in results) and results[0] == results[1], results
    results = race(committed_app, [recommend, recommend])
    assert all(isinstance(r, int) for r in results) and results[0] == results[1], results
    with committed_app.app_context():
        assert _count(ProjectInterest) == 1 and _count(ProjectReferral) == 1


def test_a_project_sent_from_two_tabs_is_created_once(committed_app):
    with committed_app.app_context():
        world = build_world()

    def create():
        return make_project(db.session.get(User, world.secretary), "一支部").id

    results = race(committed_app, [create, create])
    assert all(isinstance(r, int) for r in results) and results[0] == results[1], results
    with committed_app.app_context():
        assert _count(Project) == 1


def test_a_follow_up_sent_from_two_tabs_is_recorded_and_told_once(committed_app):
    with committed_app.app_context():
        world = build_world()
        secretary = db.session.get(User, world.secretary)
        project = make_project(secretary, "一支部")
        mine = interest.register_interest(db.session.get(User, world.member), project, "invest", "")
        interest_id = mine.id
        db.session.commit()

    def follow():
        subject = db.session.get(ProjectInterest, interest_id)
        staff = db.session.get(User, world.secretary)
        return interest.record_followup(staff, subject, "contacted", local_today(), "已联系").id

    results = race(committed_app, [follow, follow])
    assert all(isinstance(r, int) for r in results), results
    assert results[0] == results[1], results
    with committed_app.app_context():
        assert _count(ProjectFollowUp) == 1
        assert _count(Notification) == 1
