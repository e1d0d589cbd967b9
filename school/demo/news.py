"""The demo school's news: a notice in most categories, and one required notice that some of
the members have already read (so 阅读情况 has both lists to show)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from school.auth.models import User
from school.clock import local_today
from school.db import db
from school.notices import reads
from school.notices.services import NewsFields, create_notice
from school.orgs.models import Organisation

REQUIRED_TITLE = "关于开展流动党员“回家看看”主题学习的要求"
# Members of 红星村 who have confirmed the required notice: the rest are still to read it.
READ_BY = 5


def load(city_writer: User, city: Organisation, branch_writer: User, branch: Organisation) -> None:
    """Publish the demo news, then let some of the branch's members read the required one."""
    deadline = local_today() + timedelta(days=14)
    required = create_notice(
        city_writer,
        REQUIRED_TITLE,
        _REQUIRED_BODY,
        city,
        publish=True,
        news=NewsFields(category="requirement", required=True, deadline=deadline),
    )
    for title, body, category, topic in _CITY_NEWS:
        create_notice(
            city_writer,
            title,
            body,
            city,
            publish=True,
            news=NewsFields(category=category, topic=topic),
        )
    title, body = _HOMETOWN
    create_notice(
        branch_writer, title, body, branch, publish=True, news=NewsFields(category="hometown")
    )
    readers = db.session.scalars(
        select(User)
        .where(User.home_org_id == branch.id, User.role == "member", User.username != "liudong")
        .order_by(User.id)
        .limit(READ_BY)
    )
    for member in readers:
        reads.mark_read(member, required)


_REQUIRED_BODY = (
    "各基层党组织、全体党员：\n\n"
    "春节前后是流动党员集中返乡的时候。市委组织部决定在全市流动党员中开展“回家看看”主题学习，"
    "请大家做到三件事：\n\n"
    "1. 在网上党校学完“爱国爱乡”专题的课程；\n"
    "2. 回乡期间参加一次所在支部的主题党日；\n"
    "3. 结合在外的见闻，给家乡发展提一条建议（在“咨询与建议”里提交）。\n\n"
    "请每位党员在截止日期前阅读本通知，并点“我已阅读”确认。"
)

_CITY_NEWS = (
    (
        "全市首批流动党员服务站挂牌",
        "本月，青川市在深圳、上海两地的商会设立了首批流动党员服务站。\n\n"
        "服务站帮助在外党员办理组织关系接转、参加组织生活，也为返乡创业的党员牵线搭桥。"
        "在两地工作的党员可以就近联系驻外支部了解详情。",
        "news",
        None,
    ),
    (
        "《中国共产党党员权利保障条例》学习要点",
        "条例明确了党员的知情权、参与权、表决权、选举权、监督权等权利，"
        "也规定了党组织保障党员权利的责任。\n\n"
        "流动党员在外地，同样享有这些权利：可以通过网上党校了解党内事务，"
        "参加民主评议和推荐党代表候选人的投票。",
        "law",
        "党内法规",
    ),
    (
        "劳动合同纠纷：在外务工党员常见问题",
        "在外务工遇到拖欠工资、未签劳动合同等问题，可以先向用人单位所在地的劳动保障监察机构投诉，"
        "也可以申请劳动仲裁。\n\n"
        "整理好工资条、考勤记录、聊天记录等证据。需要家乡党组织帮忙协调的，"
        "可以在“排忧解难”里提出。",
        "law",
        "国家法律",
    ),
)

_HOMETOWN = (
    "红星村茶园扩建进展",
    "村集体茶园今年新扩种了八十亩，春茶预计明年四月开采。\n\n"
    "村里正在筹建茶叶加工点，欢迎在外经商的党员回来看看，也欢迎介绍懂加工、懂销售的朋友。",
)
