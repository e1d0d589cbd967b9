"""Small factories for test data. Call them inside ``with app.app_context():``."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from school.auth import services as accounts
from school.courses.models import Course, Lesson, Module, Theme
from school.db import db
from school.orgs.services import create_org

PASSWORD = "correct-horse-9"


def make_user(username: str, name: str | None = None, **kwargs):
    user, _ = accounts.create_user(username, name or username, password=PASSWORD, **kwargs)
    return user


def make_course(
    slug: str = "rules",
    *,
    status: str = "published",
    lessons: list[tuple[str, Decimal | int | float, bool]] | None = None,
    min_seconds: int | None = None,
) -> Course:
    """A course with one module; ``lessons`` is a list of (slug, 学时, required)."""
    theme = db.session.query(Theme).filter_by(slug="floating").one_or_none()
    if theme is None:
        theme = Theme(slug="floating", title="流动党员管理", position=0)
        db.session.add(theme)
    lessons = lessons or [("one", 1, True), ("two", 1, True), ("extra", Decimal("0.5"), False)]
    course = Course(
        slug=slug,
        title=f"课程 {slug}",
        theme=theme,
        status=status,
        hours=sum(Decimal(str(h)) for _, h, _ in lessons),
        body_md="课程介绍",
    )
    module = Module(title="第一单元", position=0, course=course)
    for position, (lesson_slug, hours, required) in enumerate(lessons, 1):
        Lesson(
            course=course,
            module=module,
            slug=lesson_slug,
            title=f"课时 {lesson_slug}",
            body_md=f"正文 {lesson_slug}",
            hours=Decimal(str(hours)),
            position=position,
            required=required,
            min_seconds=min_seconds,
        )
    db.session.add(course)
    db.session.flush()
    return course


@dataclass(frozen=True)
class World:
    """Ids of a small school: two branches, a work committee, one account per role."""

    member: int
    other_member: int
    floating: int
    instructor: int
    secretary: int
    committee_secretary: int
    viewer: int
    admin: int
    course: str
    draft: str


def build_world() -> World:
    city = create_org("市委", "city")
    district = create_org("区委", "district", city)
    branch_a = create_org("一支部", "branch", district)
    branch_b = create_org("二支部", "branch", district)
    committee = create_org("工委", "work_committee", city)
    outbound = create_org("驻深圳支部", "outbound_branch", committee)

    member = make_user("member", "张党员", home_org=branch_a)
    other = make_user("other", "李党员", home_org=branch_b)
    floating = make_user("floating", "陈流动", home_org=branch_b, host_org=outbound)
    instructor = make_user("instructor", "王教员", role="instructor", home_org=city)
    secretary = make_user("secretary", "赵书记", home_org=branch_a, is_cadre=True)
    accounts.grant_staff(secretary, branch_a, "secretary")
    committee_secretary = make_user("committee", "钱工委", home_org=committee, is_cadre=True)
    accounts.grant_staff(committee_secretary, committee, "secretary")
    viewer = make_user("viewer", "孙查看", home_org=branch_a)
    accounts.grant_staff(viewer, branch_a, "viewer")
    admin = make_user("admin", "管理员", role="admin", home_org=city)
    make_course("rules")
    make_course("draft-course", status="draft")
    db.session.commit()
    return World(
        member=member.id,
        other_member=other.id,
        floating=floating.id,
        instructor=instructor.id,
        secretary=secretary.id,
        committee_secretary=committee_secretary.id,
        viewer=viewer.id,
        admin=admin.id,
        course="rules",
        draft="draft-course",
    )
