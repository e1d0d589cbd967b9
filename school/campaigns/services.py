"""Writing campaigns: a draft is saved and edited, then launched to its targets, then closed.

draft ──launch──▶ launched ──close──▶ closed

Only a draft changes. Launching checks again that the launcher manages the launching
organisation and every target (admins: anything), so a draft saved by one secretary cannot
reach past what the one who launches it manages. Every refusal raises ``CampaignError`` before
anything is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from school import events
from school.auth.models import User
from school.campaigns.models import Campaign, CampaignItem, CampaignTarget
from school.campaigns.permissions import can_launch_campaigns, can_manage, can_view
from school.campaigns.progress import targeted
from school.clock import local_today
from school.courses.models import Course
from school.db import db, utcnow
from school.notifications.services import notify_all
from school.orgs.models import Organisation
from school.orgs.permissions import manages
from school.orgs.services import OrgError, lookup_org
from school.quizzes.models import Quiz

TITLE_MAX, DESCRIPTION_MAX = 200, 5000
MAX_TARGETS = 50
# A second "save" of the same new campaign within this time is the same click twice.
DOUBLE_SUBMIT = timedelta(minutes=10)

_SIDE_WORDS = {"流出地": "home", "流入地": "host", "全部": "both"}
_FLOATING_WORDS = ("仅流动党员", "流动党员")
_SPLIT = re.compile(r"[，,、;；\s]+")


class CampaignError(ValueError):
    """A change to a campaign that cannot be made; the message is for the user, in Chinese."""


@dataclass(frozen=True)
class TargetLine:
    org: Organisation
    side: str
    floating_only: bool


@dataclass
class CampaignInput:
    """What the editor sends, already typed by the form; services check the rest."""

    title: str
    org_text: str
    start_on: date
    deadline: date
    description: str = ""
    hours_target: Decimal | None = None
    remind_days: str = "14,7,1"
    certificate: bool = False
    # (course_id or None, quiz_id or None, required)
    items: list[tuple[int | None, int | None, bool]] = field(default_factory=list)
    targets_text: str = ""


def parse_remind_days(text: str | None) -> str:
    """ "14, 7，1" as "14,7,1": whole days from 0 to 365, largest first; blank means none."""
    parts = [p for p in _SPLIT.split(text or "") if p]
    days = set()
    for part in parts:
        if not part.isdigit() or int(part) > 365:
            raise CampaignError(f"提醒时间“{part}”不对：请填截止前的天数（0 到 365），用逗号隔开。")
        days.add(int(part))
    return ",".join(str(d) for d in sorted(days, reverse=True))


def parse_hours(text: str | None) -> Decimal | None:
    """The 学时 target: blank for none, else a positive number with at most one decimal."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CampaignError(f"学时要求“{text}”不是数字。") from None
    if (
        not value.is_finite()
        or value <= 0
        or value > 1000
        or value != value.quantize(Decimal("0.1"))
    ):
        raise CampaignError("学时要求须大于 0、不超过 1000，最多一位小数。")
    return value


def parse_targets(user: User, text: str) -> list[TargetLine]:
    """One target a line: "组织代码或全称 [流出地|流入地|全部] [仅流动党员]", each checked."""
    targets: list[TargetLine] = []
    lines = [(n, line.strip()) for n, line in enumerate((text or "").splitlines(), 1)]
    lines = [(n, line) for n, line in lines if line]
    if not lines:
        raise CampaignError("请至少填写一个参加的党组织。")
    if len(lines) > MAX_TARGETS:
        raise CampaignError(f"参加的党组织最多 {MAX_TARGETS} 行。")
    for number, line in lines:
        words = [w for w in _SPLIT.split(line) if w]
        side, floating, names = "both", False, []
        for word in words:
            if word in _SIDE_WORDS:
                side = _SIDE_WORDS[word]
            elif word in _FLOATING_WORDS:
                floating = True
            else:
                names.append(word)
        if len(names) != 1:
            raise CampaignError(
                f"参加的党组织第 {number} 行“{line}”看不懂：每行写一个组织代码或全称，"
                "可再加“流出地”“流入地”或“仅流动党员”。"
            )
        try:
            org = lookup_org(names[0], user)
        except OrgError as exc:
            raise CampaignError(f"参加的党组织第 {number} 行：{exc}") from None
        if not org.is_open:
            raise CampaignError(f"参加的党组织第 {number} 行：“{org.name}”已撤销或合并。")
        if not manages(user, org):
            raise CampaignError(
                f"参加的党组织第 {number} 行：“{org.name}”不在您管理的范围内，不能把它列为对象。"
            )
        line_target = TargetLine(org, side, floating)
        if line_target not in targets:
            targets.append(line_target)
    return targets


def targets_text(campaign: Campaign) -> str:
    """The campaign's targets as the editor's lines, the way ``parse_targets`` reads them."""
    words = {v: k for k, v in _SIDE_WORDS.items()}
    lines = []
    for t in campaign.targets:
        parts = [t.org.code or t.org.name]
        if t.side != "both":
            parts.append(words[t.side])
        if t.floating_only:
            parts.append("仅流动党员")
        lines.append(" ".join(parts))
    return "\n".join(lines)


def _launching_org(user: User, text: str) -> Organisation:
    try:
        org = lookup_org(text, user)
    except OrgError as exc:
        raise CampaignError(f"发起党组织：{exc}") from None
    if not org.is_open:
        raise CampaignError(f"“{org.name}”已撤销或合并，不能再发起活动。")
    if not manages(user, org):
        raise CampaignError(f"您不能以“{org.name}”的名义发起活动。")
    return org


def _items(pairs: list[tuple[int | None, int | None, bool]]) -> list[CampaignItem]:
    course_ids = [c for c, _, _ in pairs if c is not None]
    quiz_ids = [q for _, q, _ in pairs if q is not None]
    courses = {
        c.id: c
        for c in db.session.scalars(
            select(Course).where(Course.id.in_(course_ids), Course.status == "published")
        )
    }
    quizzes = {
        q.id: q
        for q in db.session.scalars(
            select(Quiz).where(
                Quiz.id.in_(quiz_ids), Quiz.status == "published", Quiz.draft_of_id.is_(None)
            )
        )
    }
    items, seen = [], set()
    for position, (course_id, quiz_id, required) in enumerate(pairs):
        key = (course_id, quiz_id)
        if key in seen:
            continue
        seen.add(key)
        if course_id is not None and course_id not in courses:
            raise CampaignError("所选课程不存在或尚未发布，请重新选择。")
        if quiz_id is not None and quiz_id not in quizzes:
            raise CampaignError("所选测验不存在或尚未发布，请重新选择。")
        items.append(
            CampaignItem(course_id=course_id, quiz_id=quiz_id, required=required, position=position)
        )
    return items


def _checked(user: User, data: CampaignInput):
    if not can_launch_campaigns(user):
        raise CampaignError("只有党组织书记、组织委员和管理员能发起专题活动。")
    title = (data.title or "").strip()
    if not title:
        raise CampaignError("请填写活动名称。")
    if len(title) > TITLE_MAX or len(data.description or "") > DESCRIPTION_MAX:
        raise CampaignError(f"活动名称最多 {TITLE_MAX} 个字，说明最多 {DESCRIPTION_MAX} 个字。")
    if data.deadline < data.start_on:
        raise CampaignError("截止日期不能早于开始日期。")
    org = _launching_org(user, data.org_text)
    targets = parse_targets(user, data.targets_text)
    items = _items(data.items)
    if not any(i.required for i in items) and not data.hours_target:
        raise CampaignError("请至少选一门必修课程或必考测验，或者填写学时要求。")
    return title, org, targets, items


def save_draft(user: User, data: CampaignInput, campaign: Campaign | None = None) -> Campaign:
    """Create a draft, or replace a draft's fields, items and targets; refuse anything else."""
    title, org, targets, items = _checked(user, data)
    remind = parse_remind_days(data.remind_days)
    if campaign is None:
        twin = db.session.scalar(
            select(Campaign).where(
                Campaign.created_by_id == user.id,
                Campaign.org_id == org.id,
                Campaign.title == title,
                Campaign.status == "draft",
                Campaign.created_at > utcnow() - DOUBLE_SUBMIT,
            )
        )
        if twin is not None:  # the same form sent twice: the draft is already there
            return twin
        campaign = Campaign(created_by_id=user.id, status="draft")
        db.session.add(campaign)
    elif not campaign.is_draft:
        raise CampaignError("活动已发起，不能再修改内容。")
    elif not can_manage(user, campaign):
        raise CampaignError("您不能修改这项活动。")
    campaign.title, campaign.description, campaign.org = title, data.description or "", org
    campaign.start_on, campaign.deadline = data.start_on, data.deadline
    campaign.hours_target, campaign.remind_days = data.hours_target, remind
    campaign.certificate = data.certificate
    # The old rows go first: the new ones may name the same course or organisation again.
    campaign.items.clear()
    campaign.targets.clear()
    db.session.flush()
    campaign.items = items
    campaign.targets = [
        CampaignTarget(org=t.org, side=t.side, floating_only=t.floating_only) for t in targets
    ]
    db.session.flush()
    return campaign


def launch(user: User, campaign: Campaign, url: str, now: datetime | None = None) -> int:
    """Launch a draft to its targets and tell them (one INSERT … SELECT); returns how many."""
    now = now or utcnow()
    if not campaign.is_draft:
        raise CampaignError("这项活动已经发起过了。")
    if not can_manage(user, campaign):
        raise CampaignError(f"您不能以“{campaign.org.name}”的名义发起活动。")
    outside = [t.org.name for t in campaign.targets if not manages(user, t.org)]
    if outside:
        raise CampaignError(f"“{'、'.join(outside)}”不在您管理的范围内，不能发起。")
    if not campaign.targets:
        raise CampaignError("请至少填写一个参加的党组织。")
    if campaign.deadline < local_today(now):
        raise CampaignError("截止日期已过，请先修改截止日期。")
    campaign.status, campaign.launched_at, campaign.launched_by_id = "launched", now, user.id
    db.session.flush()
    events.campaign_launched.send(campaign)
    text = (
        f"{campaign.org.name}发起专题教育活动《{campaign.title}》，"
        f"请于 {campaign.deadline:%Y-%m-%d} 前完成。"
    )
    return notify_all(targeted(campaign), "campaign", text, url, exclude=user)


def close(user: User, campaign: Campaign, now: datetime | None = None) -> None:
    """End a launched campaign: it leaves the members' to-dos; reports keep reading it."""
    if not campaign.is_launched:
        raise CampaignError("只有进行中的活动可以结束。")
    if not can_manage(user, campaign):
        raise CampaignError("您不能结束这项活动。")
    campaign.status, campaign.closed_at = "closed", now or utcnow()
    db.session.flush()


def visible_campaigns(user: User) -> list[Campaign]:
    """The campaigns a staff member's list shows: all for admins; else those they may see."""
    query = (
        select(Campaign)
        .options(
            selectinload(Campaign.org),
            selectinload(Campaign.targets).selectinload(CampaignTarget.org),
        )
        .order_by(Campaign.status != "launched", Campaign.deadline.desc(), Campaign.id.desc())
    )
    return [c for c in db.session.scalars(query) if can_view(user, c)]
