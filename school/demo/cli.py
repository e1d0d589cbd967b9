"""``flask demo load``: a small, believable school to click through."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from school.archive.services import append_offline
from school.auth import services as accounts
from school.auth.models import User
from school.clock import current_year, year_bounds
from school.courses.models import Course, Lesson, LessonStudy
from school.courses.services import complete_lesson, min_seconds
from school.db import db, utcnow
from school.demo import classes as demo_classes
from school.demo import news as demo_news
from school.demo import points as demo_points
from school.demo import projects as demo_projects
from school.demo import targets as demo_targets
from school.demo.appraisal import demo_appraisal
from school.demo.ballots import demo_ballot
from school.demo.campaigns import demo_campaign
from school.demo.credits import credit_branch_lecture
from school.demo.honours import demo_round
from school.demo.practice import demo_practice
from school.members.models import FlowEvent, ManagementNote
from school.notices.services import create_notice
from school.orgs.services import create_org, find_org
from school.quizzes import bank, building
from school.quizzes.formats import gift
from school.quizzes.models import Question, Quiz
from school.studio import review
from school.studio.models import ReviewerGrant

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

    def org(name, kind, parent, code, place="青川"):
        return create_org(name, kind, parent, city=place, code=code)

    city = org(DEMO_CITY, "city", None, "QC")
    east = org("东城区委", "district", city, "QC01")
    east_street = org("东城街道党工委", "township", east, "QC0101")
    east_branch = org("东城街道第一党支部", "branch", east_street, "QC010101")
    peace = org("和平社区党支部", "branch", east_street, "QC010102")
    south = org("南山县委", "district", city, "QC02")
    south_town = org("南山镇党委", "township", south, "QC0201")
    red_star = org("南山镇红星村党支部", "branch", south_town, "QC020101")
    stone_bridge = org("南山镇石桥村党支部", "branch", south_town, "QC020102")
    committee = org("青川市驻外流动党员工作委员会", "work_committee", city, "QCW")
    shenzhen = org("驻深圳流动党员党支部", "outbound_branch", committee, "QCW01", "深圳")
    shanghai = org("驻上海流动党员党支部", "outbound_branch", committee, "QCW02", "上海")

    def account(username, name, **kwargs):
        user, _ = accounts.create_user(username, name, password=DEMO_PASSWORD, **kwargs)
        return user

    admin = account("admin", "系统管理员", role="admin", home_org=city)
    teacher = account("jiaoyuan", "李明华", role="instructor", home_org=city)
    # The courses in content/ are his to edit in the studio; 周文清 reviews the city's courses.
    for course in db.session.scalars(select(Course)):
        course.instructors.append(teacher)
    reviewer = account("shenhe", "周文清", home_org=city, is_cadre=True)
    db.session.add(ReviewerGrant(user_id=reviewer.id, org_id=city.id, granted_by_id=None))
    # The Spring-Festival course waits for her decision (members see it once she approves).
    homecoming = db.session.scalar(select(Course).where(Course.slug == "homecoming-class"))
    if homecoming is not None and homecoming.status == "draft":
        review.submit(homecoming, teacher, "春节前要用，请审核。")
    secretary = account("shuji", "王建国", home_org=red_star, is_cadre=True)
    accounts.grant_staff(secretary, red_star, "secretary")
    committee_secretary = account("gongwei", "赵振华", home_org=committee, is_cadre=True)
    accounts.grant_staff(committee_secretary, committee, "secretary")
    member = account("dangyuan", "张丽", home_org=east_branch)
    floating = account("liudong", "陈志强", home_org=red_star, host_org=shenzhen)
    # The county committee publishes the hometown projects (家乡项目) and follows them up.
    county_secretary = account("xianwei", "刘志远", home_org=south, is_cadre=True)
    accounts.grant_staff(county_secretary, south, "secretary")
    _profile(secretary, "QC0000101", "male", "13907310101", date(1998, 7, 1))
    _profile(committee_secretary, "QC0000102", "male", "13907310102", date(2002, 6, 28))
    _profile(member, "QC0000103", "female", "13907310103", date(2015, 7, 1))
    _profile(floating, "QC0000104", "male", "13907310104", date(2009, 12, 20))
    _floating(floating, shenzhen, "深圳", "在深圳经营建材生意", "LD2024-0188", committee_secretary)
    # Points first: what the demo members study and attend below earns them as it would.
    demo_points.load(admin, floating)
    db.session.add(
        ManagementNote(
            member_id=floating.id,
            org_id=shenzhen.id,
            occurred_on=(utcnow() - timedelta(days=20)).date(),
            body="参加驻深圳支部主题党日，带头为商会困难会员捐款。",
            recorded_by_id=committee_secretary.id,
        )
    )

    # Offline study recorded by the branch: the kind of entry a member brings home from training.
    append_offline(
        floating,
        title="春节返乡流动党员集中培训",
        hours=Decimal(8),
        completed_at=utcnow() - timedelta(days=40),
        recorded_by=secretary,
    )
    _classmates(
        {east_branch: 6, peace: 4, red_star: 6, stone_bridge: 4},
        hosts=[shenzhen, shanghai],
        recorded_by=secretary,
    )
    credit_branch_lecture(secretary, red_star)
    demo_classes.load(secretary, red_star, [floating])
    demo_classes.load_past(committee_secretary, committee, floating)
    _demo_quizzes()
    demo_practice(admin, floating)
    demo_campaign(admin, city)
    demo_targets.load(committee_secretary, committee, floating)
    demo_round(admin, city, committee_secretary, floating)
    demo_ballot(admin, city)
    demo_appraisal(secretary, red_star)
    demo_projects.load(county_secretary, south, floating)
    # Last, so that every member above hears of them in 消息.
    _demo_notices((admin, city), (committee_secretary, committee), (secretary, red_star))
    demo_news.load(admin, city, secretary, red_star)
    db.session.commit()
    click.echo("已加载演示党组织、账号和测验（密码见 README）。")


# Members without a login (their branch issues a one-time password when they ask): enough of
# them that the reports have something to show.
_SURNAMES = "刘孙周吴郑冯陈褚卫蒋沈韩杨朱秦尤许何吕施"
_GIVEN = ["建华", "秀英", "志明", "海燕", "国强", "丽娟", "卫东", "春梅", "永平", "晓红"]
_CITIES = ["深圳", "上海"]


def _profile(user: User, number: str, gender: str, phone: str, joined: date) -> None:
    user.membership_no, user.gender, user.phone, user.joined_party_on = (
        number,
        gender,
        phone,
        joined,
    )


def _floating(user, host, place, reason, certificate, recorded_by) -> None:
    """Record a member's flow out and arrival at the host, as staff would have done."""
    left = (utcnow() - timedelta(days=400)).date()
    user.is_floating, user.current_city, user.flowed_out_on = True, place, left
    user.flow_reason, user.certificate_no, user.host_org = reason, certificate, host
    for kind, days, to_org in (("flow_out", 0, None), ("arrive", 12, host)):
        db.session.add(
            FlowEvent(
                member_id=user.id,
                kind=kind,
                occurred_on=left + timedelta(days=days),
                to_org_id=to_org.id if to_org else None,
                city=place,
                note=reason if kind == "flow_out" else "",
                recorded_by_id=recorded_by.id,
            )
        )
    db.session.flush()


# The length in seconds of the demo video lesson (content/honour-and-shame/bottom-line.webm).
_VIDEO_SECONDS = 6.0


def _studied(user: User, lesson: Lesson, when: datetime) -> None:
    """What the lesson page's heartbeats would have left by ``when``: the lesson's minimum of
    active time (and its whole video), so completing it passes the same checks as on the site."""
    seconds = min_seconds(lesson) + 20
    video = lesson.kind == "video"
    db.session.add(
        LessonStudy(
            user_id=user.id,
            lesson_id=lesson.id,
            active_seconds=seconds,
            overlap_seconds=0,
            view="demo",
            view_opened_at=when - timedelta(seconds=seconds),
            seq=0,
            started_at=when - timedelta(seconds=seconds),
            beat_at=when,
            video_duration=_VIDEO_SECONDS if video else None,
            watched=[[0.0, _VIDEO_SECONDS]] if video else [],
            watched_seconds=_VIDEO_SECONDS if video else 0.0,
        )
    )
    db.session.flush()


def _classmates(branches: dict, hosts: list, recorded_by: User) -> None:
    """Members with varied progress: some done, some partway, some not started, a few floating."""
    lessons = [
        lesson
        for course in db.session.scalars(
            select(Course).where(Course.status == "published").order_by(Course.position, Course.id)
        )
        for lesson in course.active_lessons
    ]
    now = utcnow()
    # Study dates spread from 1 January to today, so this year's report and trend have a shape.
    span = max((now - year_bounds(current_year(now))[0]).days - 1, 1)
    number = 200
    for branch, count in branches.items():
        for i in range(count):
            number += 1
            name = _SURNAMES[number % len(_SURNAMES)] + _GIVEN[number % len(_GIVEN)]
            user = User(
                username=f"QC{number:07d}",
                name=name,
                password_hash="",  # no login until the branch issues a one-time password
                must_change_password=True,
                home_org=branch,
            )
            db.session.add(user)
            db.session.flush()
            _profile(
                user,
                user.username,
                "female" if number % 2 else "male",
                f"1390731{number:04d}",
                date(1990 + number % 30, 7, 1),
            )
            if i == 0:
                host = hosts[number % len(hosts)]
                place = _CITIES[number % len(_CITIES)]
                _floating(user, host, place, "外出务工", f"LD2025-{number:04d}", recorded_by)
            # The first of each branch has studied everything, the last nothing yet.
            studied = lessons[: (len(lessons) * (count - 1 - i)) // max(count - 1, 1)]
            for n, lesson in enumerate(studied):
                when = now - timedelta(days=span - n * span // len(studied))
                _studied(user, lesson, when)
                complete_lesson(user, lesson, now=when)


@demo.command("generate")
@click.option("--members", type=click.IntRange(min=20), default=112_000, show_default=True)
@click.option("--seed", type=int, default=2026, show_default=True)
@click.option("--force", is_flag=True, help="数据库里已有账号时也生成（慎用）。")
def generate_city(members: int, seed: int, force: bool) -> None:
    """Generate a city-scale data set for benchmarks (organisations, members, study records)
    and login accounts to look around with; their one password is printed once."""
    from school.demo.generate import AlreadyGenerated, generate

    try:
        generate(members, seed, force=force, say=click.echo)
    except AlreadyGenerated as error:
        raise click.ClickException(str(error)) from None


def _demo_notices(city, committee, branch) -> None:
    """A notice from the city, from the work committee and from a village branch, each as its
    staff would publish it: 陈志强 (home 红星村, host 深圳) hears from all three."""
    for (writer, org), (title, body) in zip((city, committee, branch), _NOTICES, strict=True):
        create_notice(writer, title, body, org, publish=True)


_NOTICES = (
    (
        "请在年底前核对本年度学时",
        "各基层党组织、全体党员：\n\n"
        "年底前，请每位党员在“我的学习档案”里核对本年度学时。"
        "普通党员每年不少于 32 学时，支部书记和支委委员不少于 56 学时，"
        "还差的请通过网上党校补学。\n\n"
        "线下学习如有漏记，请向所在支部提出；流动党员在流入地参加的学习，"
        "可请流入地党组织出具情况，由流出地支部登记。",
    ),
    (
        "春节返乡流动党员座谈会报名",
        "在深圳、上海的流动党员：\n\n"
        "春节前，工委将在青川市区召开返乡流动党员座谈会，听听大家在外的情况和对家乡发展的建议，"
        "时间地点另行通知。\n\n"
        "计划回家过年的党员，请向所在驻外支部报名，说明返乡时间和想交流的话题。"
        "不能回家的，可以在“咨询与建议”的“工作建议”里留言，我们在会上转达。",
    ),
    (
        "本月主题党日安排",
        "本月主题党日安排在第三个星期日上午 9 点，地点在村委会二楼会议室。\n\n"
        "内容：一起学习网上党校的一节课程；讨论明年村集体茶园的管护办法。\n\n"
        "在外的党员可以用手机视频参加；来不了的，会后学习同一节课程，"
        "并在“情况反映”里写几句体会，支部汇总后在会上通报。",
    ),
)


def _demo_quizzes() -> None:
    """An end-of-course exam for the floating-member rules course and a standalone practice."""
    exam_questions = _questions("floating-member-rules.gift")
    course = db.session.scalar(select(Course).where(Course.slug == "floating-member-rules"))
    exam = Quiz(
        title="《流动党员管理须知》结业测验",
        description=(
            "共 8 题，10 分钟内完成，60 分及格。可以答 3 次；用完 3 次答题机会后，"
            "可查看正确答案和解析。"
        ),
        course_id=course.id if course else None,
        kind="exam",
        status="published",
        time_limit_seconds=600,
        attempts_allowed=3,
        pass_percent=60,
        # Answers shown after the first attempt were copied into the second: keep them back
        # until the member has no attempt left.
        review="after_last",
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
