"""``flask demo load``: a small, believable school to click through."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from school.archive.services import append_offline
from school.auth import services as accounts
from school.auth.models import User
from school.courses.models import Course
from school.db import db, utcnow
from school.orgs.services import create_org, find_org
from school.quizzes import bank, building
from school.quizzes.formats import gift
from school.quizzes.models import Question, Quiz

demo = AppGroup("demo", help="演示数据。")

QUESTIONS = Path(__file__).resolve().parent / "questions"
DEMO_CITY = "青川市委"
DEMO_PASSWORD = "dangxiao2026"  # noqa: S105 - published in the README on purpose


@demo.command("load")
def load() -> None:
    """Create the demo organisation tree and one account per role (once)."""
    if find_org(DEMO_CITY) is not None:
        click.echo("演示数据已存在，跳过。")
        return
    if db.session.scalar(select(func.count(User.id))):
        raise click.ClickException(
            "数据库里已有账号，为安全起见不加载演示数据（演示账号的密码是公开的）。"
        )

    city = create_org(DEMO_CITY, "city", city="青川")
    east = create_org("东城区委", "district", city, city="青川")
    east_street = create_org("东城街道党工委", "township", east, city="青川")
    east_branch = create_org("东城街道第一党支部", "branch", east_street, city="青川")
    create_org("和平社区党支部", "branch", east_street, city="青川")
    south = create_org("南山县委", "district", city, city="青川")
    south_town = create_org("南山镇党委", "township", south, city="青川")
    red_star = create_org("南山镇红星村党支部", "branch", south_town, city="青川")
    create_org("南山镇石桥村党支部", "branch", south_town, city="青川")
    committee = create_org("青川市驻外流动党员工作委员会", "work_committee", city, city="青川")
    shenzhen = create_org("驻深圳流动党员党支部", "outbound_branch", committee, city="深圳")
    create_org("驻上海流动党员党支部", "outbound_branch", committee, city="上海")

    def account(username, name, **kwargs):
        user, _ = accounts.create_user(username, name, password=DEMO_PASSWORD, **kwargs)
        return user

    account("admin", "系统管理员", role="admin", home_org=city)
    account("jiaoyuan", "李明华", role="instructor", home_org=city)
    secretary = account("shuji", "王建国", home_org=red_star, is_cadre=True)
    accounts.grant_staff(secretary, red_star, "secretary")
    committee_secretary = account("gongwei", "赵振华", home_org=committee, is_cadre=True)
    accounts.grant_staff(committee_secretary, committee, "secretary")
    account("dangyuan", "张丽", home_org=east_branch)
    floating = account("liudong", "陈志强", home_org=red_star, host_org=shenzhen)

    # Offline study recorded by the branch: the kind of entry a member brings home from training.
    append_offline(
        floating,
        title="春节返乡流动党员集中培训",
        hours=Decimal(8),
        completed_at=utcnow() - timedelta(days=40),
        recorded_by=secretary,
    )
    _demo_quizzes()
    db.session.commit()
    click.echo("已加载演示党组织、账号和测验（密码见 README）。")


@demo.command("generate")
@click.option("--members", type=click.IntRange(min=20), default=112_000, show_default=True)
@click.option("--seed", type=int, default=2026, show_default=True)
@click.option("--force", is_flag=True, help="数据库里已有账号时也生成（慎用）。")
def generate_city(members: int, seed: int, force: bool) -> None:
    """Generate a city-scale data set for benchmarks (organisations, members, study records)."""
    from school.demo.generate import AlreadyGenerated, generate

    try:
        generate(members, seed, force=force, say=click.echo)
    except AlreadyGenerated as error:
        raise click.ClickException(str(error)) from None


def _demo_quizzes() -> None:
    """An end-of-course exam for the floating-member rules course and a standalone practice."""
    exam_questions = _questions("floating-member-rules.gift")
    course = db.session.scalar(select(Course).where(Course.slug == "floating-member-rules"))
    exam = Quiz(
        title="《流动党员管理须知》结业测验",
        description="共 8 题，10 分钟内完成，60 分及格。可以答 3 次，交卷后即可查看答案和解析。",
        course_id=course.id if course else None,
        kind="exam",
        status="published",
        time_limit_seconds=600,
        attempts_allowed=3,
        pass_percent=60,
    )
    db.session.add(exam)
    building.add_fixed(exam, exam_questions, None)
    practice_questions = _questions("party-knowledge-practice.gift")
    practice = Quiz(
        title="党章党规知识练习",
        description="每次从题库随机抽 5 题，每题可以马上核对答案，不限次数。",
        kind="practice",
        status="published",
        required=False,
    )
    db.session.add(practice)
    building.add_random(practice, practice_questions[0].category, 5, True, None)


def _questions(name: str) -> list[Question]:
    data = (QUESTIONS / name).read_bytes()
    return bank.add_questions(gift.parse(data), category=None, by=None).questions
