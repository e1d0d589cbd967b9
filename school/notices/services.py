"""Notices: writing, publishing and withdrawing them, and the queries for who sees which."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    Select,
    and_,
    exists,
    false,
    func,
    inspect,
    or_,
    select,
)
from sqlalchemy.orm import selectinload

from school.auth.models import User
from school.clock import local_today
from school.db import db, utcnow
from school.notices.models import CATEGORIES, Notice, NoticeMute
from school.notices.permissions import can_edit, can_publish, can_write_for
from school.notifications.services import notify_all
from school.orgs.models import Organisation, line_ids
from school.orgs.permissions import managed_orgs
from school.orgs.scope import covers, subtree_ids
from school.orgs.services import OrgError, lookup_org

TITLE_MAX, BODY_MAX, TOPIC_MAX, VIDEO_URL_MAX = 200, 20_000, 50, 300
PER_PAGE = 20
_HOST = re.compile(r"[A-Za-z0-9.-]+(?::[0-9]{1,5})?")


class NoticeError(ValueError):
    """A change to a notice that cannot be made; the message is for the user, in Chinese."""


@dataclass(frozen=True)
class Page:
    notices: list[Notice]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class NewsFields:
    """What makes a notice news: its category, 法规库 topic, 专题片 link and required reading."""

    category: str = "notice"
    topic: str | None = None
    video_url: str | None = None
    required: bool = False
    deadline: date | None = None


def _reaches(viewer: User) -> ColumnElement[bool]:
    """Notices whose organisation reaches the viewer (the whole school's always do)."""
    if viewer.is_admin:
        return Notice.id.is_not(None)
    # A member hears from their home and host organisations and everything above them.
    ids = {i for path in own_paths(viewer) for i in line_ids(path)}
    clauses: list[ColumnElement[bool]] = [Notice.org_id.is_(None)]
    # is_staff first: for most members it is known without loading the grants.
    for grant in viewer.staff_grants if viewer.is_staff else ():
        ids.update(grant.org.line_ids)  # staff inside the notice's organisation
        clauses.append(Notice.org_id.in_(subtree_ids(grant.org)))  # and staff above it
    if ids:
        clauses.append(Notice.org_id.in_(sorted(ids)))
    return or_(*clauses)


def addressed(viewer: User) -> ColumnElement[bool]:
    """Notices addressed to the viewer (permissions.is_addressed as SQL): the whole school's,
    and those of their home and host organisations and everything above them; none for admins."""
    if viewer.is_admin:
        return false()
    ids = sorted({i for path in own_paths(viewer) for i in line_ids(path)})
    return or_(Notice.org_id.is_(None), Notice.org_id.in_(ids))


def editable(viewer: User) -> ColumnElement[bool]:
    """Notices the viewer may edit: their own, and those of the organisations they manage."""
    if viewer.is_admin:
        return Notice.id.is_not(None)
    clauses: list[ColumnElement[bool]] = [Notice.author_id == viewer.id]
    clauses += [Notice.org_id.in_(subtree_ids(org)) for org in managed_orgs(viewer)]
    return or_(*clauses) if clauses else false()


def own_paths_of_user() -> dict[str, ScalarSelect[str]]:
    """The paths of ``User``'s home and host organisations as subqueries, named as the login
    check's figures: the home page's notices then need no statement to load them."""
    return {
        f"{side}_org_path": select(Organisation.path)
        .where(Organisation.id == column)
        .correlate(User)
        .scalar_subquery()
        for side, column in (("home", User.home_org_id), ("host", User.host_org_id))
    }


def own_paths(viewer: User) -> list[str]:
    """The paths of the viewer's home and host organisations (those they have)."""
    if "home_org_path" in viewer.figures:
        paths = [viewer.figures["home_org_path"], viewer.figures["host_org_path"]]
    else:
        paths = [own.path if own else None for own in (viewer.home_org, viewer.host_org)]
    return [path for path in paths if path]


def visible_notices(viewer: User) -> Select[tuple[Notice]]:
    """Published notices that reach the viewer, newest first."""
    return (
        select(Notice)
        .where(Notice.status == "published", _reaches(viewer))
        .order_by(Notice.published_at.desc(), Notice.id.desc())
    )


def notices_page(
    viewer: User, page: int = 1, per_page: int = PER_PAGE, category: str | None = None
) -> Page:
    """One page of the notices that reach the viewer (of one category, or all)."""
    query = visible_notices(viewer)
    if category is not None:
        query = query.where(Notice.category == category)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, -(-(total or 0) // per_page))
    page = min(max(1, page), pages)
    notices = db.session.scalars(
        query.options(selectinload(Notice.org)).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(list(notices), total or 0, page, pages)


def latest_notices(viewer: User, limit: int = 3) -> list[Notice]:
    """The few newest notices that reach the viewer, for the home page."""
    # The home page shows titles and dates, not the organisations.
    return list(db.session.scalars(visible_notices(viewer).limit(limit)))


def drafts_for(viewer: User) -> list[Notice]:
    """Drafts the viewer may edit and publish later, most recently changed first."""
    return list(
        db.session.scalars(
            select(Notice)
            .where(Notice.status == "draft", editable(viewer))
            .options(selectinload(Notice.org))
            .order_by(Notice.updated_at.desc(), Notice.id.desc())
        )
    )


def default_org(writer: User) -> Organisation | None:
    """The organisation a new notice is for unless the writer names one: their own grant's."""
    orgs = sorted(managed_orgs(writer), key=lambda o: o.path)
    return orgs[0] if orgs else None


def resolve_org(
    writer: User, text: str | None, current: Notice | None = None
) -> Organisation | None:
    """The organisation named by code or full name; blank means the writer's default.

    Admins leave it blank for the whole school. Anyone else must name an open organisation
    they manage, unless it is the one the edited notice already has.
    """
    text = (text or "").strip()
    if not text:
        org = None if writer.is_admin else default_org(writer)
        if org is None and not writer.is_admin:
            raise NoticeError("请填写发布通知的党组织（组织代码或全称）。")
    else:
        try:
            org = lookup_org(text, writer)
        except OrgError as exc:
            raise NoticeError(str(exc)) from None
    if current is not None and org == current.org:
        return org
    if not can_write_for(writer, org):
        raise NoticeError(
            f"您不能以“{org.name}”的名义发布通知。" if org else "只有管理员能发布全校通知。"
        )
    if org is not None and not org.is_open:
        raise NoticeError(f"“{org.name}”已撤销或合并，不能再发布通知。")
    return org


def _check_text(title: str, body: str) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise NoticeError("请填写标题。")
    if len(title) > TITLE_MAX:
        raise NoticeError(f"标题最多 {TITLE_MAX} 个字。")
    if not body:
        raise NoticeError("请填写正文。")
    if len(body) > BODY_MAX:
        raise NoticeError(f"正文最多 {BODY_MAX} 个字。")
    return title, body


def _check_news(news: NewsFields, today: date, current: Notice | None = None) -> NewsFields:
    """The news fields cleaned, or NoticeError: a known category, a deadline for required
    reading that is not in the past (unless it is the one the notice already has), a link only
    for a 专题片 and only to a web address."""
    if news.category not in CATEGORIES:
        raise NoticeError("请选择栏目。")
    topic = (news.topic or "").strip() or None
    if topic and len(topic) > TOPIC_MAX:
        raise NoticeError(f"法规分类最多 {TOPIC_MAX} 个字。")
    if news.category != "law":
        topic = None
    if news.required and news.deadline is None:
        raise NoticeError("必读通知请填写阅读截止日期。")
    deadline = news.deadline if news.required else None
    unchanged = current is not None and deadline == current.deadline
    if deadline is not None and deadline < today and not unchanged:
        raise NoticeError("阅读截止日期不能早于今天。")
    video_url = (news.video_url or "").strip() or None
    if video_url is not None:
        if news.category != "video":
            raise NoticeError("只有“专题片”栏目可以填写视频地址。")
        parts = urlsplit(video_url)
        # The page's Content-Security-Policy names this origin: nothing but a plain host name
        # or address (and port) may reach the header.
        if (
            parts.scheme not in ("http", "https")
            or not _HOST.fullmatch(parts.netloc)
            or any(ch.isspace() for ch in video_url)
        ):
            raise NoticeError(
                "视频地址应以 http:// 或 https:// 开头，例如单位内网的视频服务器地址。"
            )
        if len(video_url) > VIDEO_URL_MAX:
            raise NoticeError(f"视频地址最多 {VIDEO_URL_MAX} 个字符。")
    return NewsFields(news.category, topic, video_url, news.required, deadline)


def _apply_news(notice: Notice, news: NewsFields) -> None:
    notice.category, notice.topic, notice.video_url = news.category, news.topic, news.video_url
    notice.required, notice.deadline = news.required, news.deadline


def create_notice(
    writer: User,
    title: str,
    body: str,
    org: Organisation | None,
    *,
    publish: bool = False,
    news: NewsFields | None = None,
    today: date | None = None,
) -> Notice:
    """A new notice by ``writer`` for ``org`` (None: the whole school), a draft unless published."""
    if not can_write_for(writer, org):
        raise NoticeError("您不能为这个党组织发布通知。")
    title, body = _check_text(title, body)
    news = _check_news(news or NewsFields(), today or local_today())
    now = utcnow()
    notice = Notice(
        title=title,
        body_md=body,
        org_id=org.id if org else None,
        org=org,
        status="draft",
        author_id=writer.id,
        created_at=now,
        updated_at=now,
    )
    _apply_news(notice, news)
    db.session.add(notice)
    if publish:
        publish_notice(writer, notice)
    db.session.flush()
    return notice


def edit_notice(
    editor: User,
    notice: Notice,
    title: str,
    body: str,
    org: Organisation | None,
    news: NewsFields | None = None,
    today: date | None = None,
) -> Notice:
    """Change the text (and the organisation, for those who may write for the new one)."""
    if not can_edit(editor, notice):
        raise NoticeError("您不能修改这条通知。")
    title, body = _check_text(title, body)
    if org != notice.org and not can_write_for(editor, org):
        raise NoticeError("您不能把通知改为这个党组织发布。")
    if news is not None:
        news = _check_news(news, today or local_today(), current=notice)
        if notice.published_at is not None and news.required and not notice.required:
            # Its members were told of it as an ordinary notice: required reading is decided
            # before publication, so that everyone it binds hears of it as such.
            raise NoticeError("已发布过的通知不能再改为必读，请另发一条必读通知。")
        _apply_news(notice, news)
    notice.title, notice.body_md = title, body
    notice.org, notice.org_id = org, org.id if org else None
    notice.updated_at = utcnow()
    db.session.flush()
    return notice


def publish_notice(publisher: User, notice: Notice) -> Notice:
    """Publish a draft and notify its members the first time; a republished notice keeps its
    first publication date and notifies no one again."""
    if not can_publish(publisher, notice):
        raise NoticeError("您不能发布这条通知。")
    if inspect(notice).persistent:
        # Two tabs (or a double click) publish one notice: the second waits here for the first
        # and then finds it published, so members are notified once.
        db.session.flush()
        db.session.scalars(
            select(Notice)
            .where(Notice.id == notice.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
    if notice.is_published:
        raise NoticeError("这条通知已经发布。")
    now = utcnow()
    notice.status = "published"
    first = notice.published_at is None
    if first:
        notice.published_at = now
    notice.updated_at = now
    db.session.flush()
    if first:
        notice.audience_count = audience_size(notice)
        notify_audience(notice, publisher)
    return notice


def audience(org: Organisation | None) -> ColumnElement[bool]:
    """A WHERE clause on User: the members a notice for ``org`` is sent to (None: everyone)."""
    # Members whose home or host organisation lies in the subtree: a floating member hears from
    # both sides. Staff above the organisation may read the notice but are not sent it.
    return covers(org) if org is not None else User.role != "admin"


def audience_size(notice: Notice) -> int:
    """How many active members the notice is addressed to (one statement)."""
    who = and_(audience(notice.org), User.active.is_(True))
    return db.session.scalar(select(func.count(User.id)).where(who)) or 0


def deadline_text(deadline: date) -> str:
    """A deadline as members read it: 12月31日."""
    return f"{deadline.month}月{deadline.day}日"


def notify_audience(notice: Notice, publisher: User) -> int:
    """Tell the notice's members it is out, in one statement however many they are: those who
    muted its category are left out, unless it is required reading."""
    who = audience(notice.org)
    if notice.required:
        text = f"必读：{notice.title}（请于{deadline_text(notice.deadline)}前阅读）"
    else:
        text = f"新{notice.category_label}：{notice.title}"
        muted = exists().where(
            NoticeMute.user_id == User.id, NoticeMute.category == notice.category
        )
        who = and_(who, ~muted)
    return notify_all(who, "notice", text, f"/notices/{notice.id}", exclude=publisher)


def unpublish_notice(publisher: User, notice: Notice) -> Notice:
    """Withdraw a published notice back to the drafts (nothing is ever deleted)."""
    if not can_publish(publisher, notice):
        raise NoticeError("您不能撤回这条通知。")
    if not notice.is_published:
        raise NoticeError("这条通知还没有发布。")
    notice.status = "draft"
    notice.updated_at = utcnow()
    db.session.flush()
    return notice


def laws_page(
    viewer: User, topic: str | None, text: str | None, page: int = 1, per_page: int = PER_PAGE
) -> Page:
    """One page of 法规库: the published laws and regulations that reach the viewer, of one
    topic and with the text in their title or body if given."""
    query = visible_notices(viewer).where(Notice.category == "law")
    if topic:
        query = query.where(Notice.topic == topic)
    text = (text or "").strip()
    if text:
        query = query.where(
            or_(
                Notice.title.contains(text, autoescape=True),
                Notice.body_md.contains(text, autoescape=True),
            )
        )
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, -(-(total or 0) // per_page))
    page = min(max(1, page), pages)
    notices = db.session.scalars(
        query.options(selectinload(Notice.org)).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(list(notices), total or 0, page, pages)


def law_topics(viewer: User) -> list[str]:
    """The topics of the laws and regulations that reach the viewer, for 法规库's filter."""
    query = (
        select(Notice.topic)
        .where(Notice.status == "published", Notice.category == "law", _reaches(viewer))
        .where(Notice.topic.is_not(None))
        .distinct()
        .order_by(Notice.topic)
    )
    return list(db.session.scalars(query))
