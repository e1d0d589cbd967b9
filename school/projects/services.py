"""Hometown projects: publishing them, moving their status, and the queries of who sees which.

Services raise ``ProjectError`` (a message in Chinese) and change nothing when they do; they add
and flush, the view or command commits. ProjectInterest, referrals and follow-ups are in
``school/projects/interest.py``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import ColumnElement, Select, case, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from school.auth.models import User
from school.db import db, utcnow
from school.images import ImageRejected, store_image
from school.members.phones import PhoneError, normalise_phone
from school.orgs.models import Organisation, line_ids
from school.orgs.scope import read_roots, subtree_ids, subtrees_in
from school.projects.models import (
    MOVES,
    SECTORS,
    SIZE_MAX,
    SIZE_MIN,
    STATUSES,
    Project,
    ProjectInterest,
    ProjectReferral,
    ProjectStatusChange,
)
from school.projects.permissions import publishing_orgs, writes
from school.uploads import limit_bytes

TITLE_MAX, PLACE_MAX, BODY_MAX = 100, 100, 20_000
NAME_MAX, STATUS_NOTE_MAX = 50, 200
PER_PAGE = 20
# Covers are images like a post's: the same limit, checks and re-encoding.
IMAGE_LIMIT = "FORUM_IMAGE_MAX_MB"
NEGOTIABLE = "面议"


class ProjectError(ValueError):
    """A change to a project that cannot be made; the message is for the user, in Chinese."""


@dataclass(frozen=True)
class ProjectFields:
    """What staff type into the project form, as typed."""

    title: str
    sector: str
    place: str
    size: str
    description: str
    contact_name: str
    contact_phone: str


@dataclass(frozen=True)
class Page:
    items: list
    total: int
    page: int
    pages: int


def text_within(value: str | None, noun: str, most: int, *, required: bool = True) -> str:
    """The text stripped, or ProjectError naming the field when missing or too long."""
    value = (value or "").strip()
    if required and not value:
        raise ProjectError(f"请填写{noun}。")
    if len(value) > most:
        raise ProjectError(f"{noun}最多 {most} 个字。")
    return value


def phone_number(text: str | None, noun: str = "联系电话") -> str:
    """A mainland mobile or landline number in its stored form, or ProjectError."""
    try:
        phone = normalise_phone(text)
    except PhoneError:
        raise ProjectError(
            f"{noun}格式不正确：请填写 11 位手机号，或带区号的固定电话（如 0571-12345678）。"
        ) from None
    if phone is None:
        raise ProjectError(f"请填写{noun}。")
    return phone


def parse_size(text: str | None) -> int | None:
    """An investment size in whole 万元 (None: 面议), or ProjectError out of range."""
    value = "".join(unicodedata.normalize("NFKC", text or "").split()).replace(",", "")
    if value in ("", NEGOTIABLE):
        if not value:
            raise ProjectError("请填写投资规模（万元），或填写“面议”。")
        return None
    value = value.removesuffix("万元").removesuffix("万")
    if not value.isdigit():
        raise ProjectError("投资规模请填写整数（单位万元，如 5000），或填写“面议”。")
    size = int(value)
    if not SIZE_MIN <= size <= SIZE_MAX:
        raise ProjectError(f"投资规模应在 {SIZE_MIN} 至 {SIZE_MAX:,} 万元之间。")
    return size


def _checked(fields: ProjectFields) -> dict[str, object]:
    if fields.sector not in SECTORS:
        raise ProjectError("请选择所属行业。")
    return {
        "title": text_within(fields.title, "项目名称", TITLE_MAX),
        "sector": fields.sector,
        "place": text_within(fields.place, "项目地点", PLACE_MAX),
        "size_wan": parse_size(fields.size),
        "description_md": text_within(fields.description, "项目介绍", BODY_MAX),
        "contact_name": text_within(fields.contact_name, "联系人", NAME_MAX),
        "contact_phone": phone_number(fields.contact_phone),
    }


def _store_cover(project: Project, cover: tuple[bytes, str], folder: Path) -> None:
    data, original = cover
    try:
        stored = store_image(data, original, folder, max_bytes=limit_bytes(IMAGE_LIMIT))
    except ImageRejected as exc:
        raise ProjectError(f"封面图片：{exc}。") from None
    project.cover_name, project.cover_mime = stored.name, stored.mime


# A project of the same organisation and title this recent, by the same writer, is the same
# form sent twice (a double tap, a second tab); older, it is a name already taken.
RESUBMIT_WINDOW = timedelta(minutes=10)


def _same_title(org: Organisation, title: str, but: Project | None = None) -> Project | None:
    query = select(Project).where(Project.org_id == org.id, Project.title == title)
    if but is not None:
        query = query.where(Project.id != but.id)
    return db.session.scalar(query)


def _resubmitted(writer: User, org: Organisation, title: str, now: datetime) -> Project:
    """The project this submission repeats, or ProjectError when the title is taken."""
    existing = _same_title(org, title)
    assert existing is not None
    if existing.created_by_id == writer.id and now - existing.created_at < RESUBMIT_WINDOW:
        return existing
    raise ProjectError(f"{org.name}已有名为“{title}”的项目，请换一个名称。")


def create_project(
    writer: User,
    org: Organisation,
    fields: ProjectFields,
    *,
    cover: tuple[bytes, str] | None = None,
    folder: Path | None = None,
    publish: bool = False,
) -> Project:
    """A new project of ``org`` by one of its managers: a draft, or published at once. The
    same form sent twice gives the first project back."""
    if org not in publishing_orgs(writer):
        raise ProjectError("您不能以这个党组织的名义发布项目。")
    values = _checked(fields)
    now = utcnow()
    if _same_title(org, str(values["title"])) is not None:
        return _resubmitted(writer, org, str(values["title"]), now)
    project = Project(
        org=org, org_id=org.id, created_by_id=writer.id, created_at=now, updated_at=now, **values
    )
    try:
        with db.session.begin_nested():
            db.session.add(project)
            db.session.flush()
    except IntegrityError:  # sent from two tabs at the same moment: the other one won
        return _resubmitted(writer, org, project.title, now)
    if cover is not None and folder is not None:
        _store_cover(project, cover, folder)
    _record(project, writer, None, "draft", "", now)
    if publish:
        move_status(writer, project, "open", "", now=now)
    return project


def edit_project(
    writer: User,
    project: Project,
    fields: ProjectFields,
    *,
    cover: tuple[bytes, str] | None = None,
    folder: Path | None = None,
    remove_cover: bool = False,
) -> Project:
    """Change a project's fields (its status moves only through ``move_status``)."""
    if not writes(writer, project):
        raise ProjectError("只有发布项目的党组织可以修改项目。")
    values = _checked(fields)
    if _same_title(project.org, str(values["title"]), but=project) is not None:
        raise ProjectError(f"{project.org.name}已有名为“{values['title']}”的项目，请换一个名称。")
    for name, value in values.items():
        setattr(project, name, value)
    if remove_cover:
        project.cover_name = project.cover_mime = None
    if cover is not None and folder is not None:
        _store_cover(project, cover, folder)
    project.updated_at = utcnow()
    db.session.flush()
    return project


def _record(
    project: Project, actor: User, before: str | None, after: str, note: str, now: datetime
) -> ProjectStatusChange:
    change = ProjectStatusChange(
        project_id=project.id,
        from_status=before,
        to_status=after,
        note=note,
        actor_id=actor.id,
        created_at=now,
    )
    db.session.add(change)
    db.session.flush()
    return change


def move_status(
    actor: User, project: Project, to: str, note: str = "", *, now: datetime | None = None
) -> ProjectStatusChange:
    """Move the project to status ``to`` with a note, and append the move to its history."""
    if not writes(actor, project):
        raise ProjectError("只有发布项目的党组织可以更改项目状态。")
    note = text_within(note, "说明", STATUS_NOTE_MAX, required=False)
    # Two tabs (or a double tap) move one project: the second waits here, then finds the
    # status already changed and is refused instead of appending the same move twice.
    db.session.flush()
    db.session.scalars(
        select(Project)
        .where(Project.id == project.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if to not in STATUSES or to not in MOVES[project.status]:
        raise ProjectError(f"项目现在是“{project.status_label}”，不能改为这个状态。")
    now = now or utcnow()
    before = project.status
    project.status = to
    project.updated_at = now
    if project.published_at is None:
        project.published_at = now
    return _record(project, actor, before, to, note, now)


def history(project: Project) -> list[ProjectStatusChange]:
    """The project's status changes, oldest first, with who made them."""
    return list(
        db.session.scalars(
            select(ProjectStatusChange)
            .where(ProjectStatusChange.project_id == project.id)
            .options(selectinload(ProjectStatusChange.actor))
            .order_by(ProjectStatusChange.id)
        )
    )


# --- who sees which ------------------------------------------------------------------------------

# Projects still looking for investors first, finished ones last; newest first within each.
_ORDER = case(
    {"open": 0, "negotiating": 1, "paused": 2, "landed": 3, "closed": 4}, value=Project.status
)


def _audience_of(viewer: User) -> ColumnElement[bool]:
    """Projects whose subtree holds the viewer's home or host organisation, or whose
    organisation the viewer reads as staff (admins: every project)."""
    if viewer.is_admin:
        return Project.id.is_not(None)
    ids = {i for org in (viewer.home_org, viewer.host_org) if org for i in line_ids(org.path)}
    clauses: list[ColumnElement[bool]] = []
    if ids:
        clauses.append(Project.org_id.in_(sorted(ids)))
    if viewer.is_staff:
        clauses += [Project.org_id.in_(subtree_ids(root)) for root in read_roots(viewer)]
    return or_(false(), *clauses)


def visible_projects(viewer: User, sector: str = "", status: str = "") -> Select[tuple[Project]]:
    """Published projects the viewer sees, by sector and status if given, open ones first."""
    query = select(Project).where(Project.status != "draft", _audience_of(viewer))
    if sector in SECTORS:
        query = query.where(Project.sector == sector)
    if status in STATUSES and status != "draft":
        query = query.where(Project.status == status)
    return query.order_by(_ORDER, Project.published_at.desc(), Project.id.desc())


def _page(query: Select, page: int, per_page: int) -> tuple[list, int, int, int]:
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, -(-(total or 0) // per_page))
    page = min(max(1, page), pages)
    rows = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return list(rows), total or 0, page, pages


def projects_page(
    viewer: User, sector: str = "", status: str = "", page: int = 1, per_page: int = PER_PAGE
) -> Page:
    """One page of the published projects the viewer sees."""
    query = visible_projects(viewer, sector, status).options(selectinload(Project.org))
    return Page(*_page(query, page, per_page))


def mine_among(member: User, projects: list[Project]) -> set[int]:
    """Which of these projects the member has registered (and not withdrawn) interest in."""
    if not projects:
        return set()
    return set(
        db.session.scalars(
            select(ProjectInterest.project_id).where(
                ProjectInterest.member_id == member.id,
                ProjectInterest.withdrawn_at.is_(None),
                ProjectInterest.project_id.in_([p.id for p in projects]),
            )
        )
    )


# --- the staff side ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffRow:
    """A project on the staff list with its interest: active interest, referrals, and how many
    of both nobody has followed up yet."""

    project: Project
    interests: int
    referrals: int
    waiting: int


def _read_scope(viewer: User) -> ColumnElement[bool]:
    if viewer.is_admin:
        return Project.id.is_not(None)
    roots = read_roots(viewer)
    return Project.org_id.in_(subtrees_in(roots)) if roots else false()


def _counts():
    active = ProjectInterest.withdrawn_at.is_(None)

    def count(model, *where):
        return (
            select(func.count(model.id))
            .where(model.project_id == Project.id, *where)
            .correlate(Project)
            .scalar_subquery()
        )

    waiting = count(ProjectInterest, active, ProjectInterest.followed_up_at.is_(None)) + count(
        ProjectReferral, ProjectReferral.followed_up_at.is_(None)
    )
    return count(ProjectInterest, active), count(ProjectReferral), waiting


def staff_page(
    viewer: User,
    status: str = "",
    waiting_only: bool = False,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Page:
    """One page of the projects of the organisations the viewer reads, drafts included, with
    their counts (one statement for the rows and counts, one for the total); only those with
    interest nobody has followed up, if asked."""
    interests, referrals, waiting = _counts()
    query = (
        select(Project, interests, referrals, waiting)
        .where(_read_scope(viewer))
        .options(selectinload(Project.org))
        .order_by(Project.updated_at.desc(), Project.id.desc())
    )
    if status in STATUSES:
        query = query.where(Project.status == status)
    if waiting_only:
        query = query.where(waiting > 0)
    total = db.session.scalar(
        select(func.count(Project.id)).where(query.whereclause)  # type: ignore[arg-type]
    )
    pages = max(1, -(-(total or 0) // per_page))
    page = min(max(1, page), pages)
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return Page([StaffRow(*row) for row in rows], total or 0, page, pages)  # type: ignore[arg-type]


def waiting_for(user: User) -> int:
    """ProjectInterest and referrals on the projects of the user's own organisations that nobody has
    followed up yet (one statement)."""
    org_ids = [org.id for org in publishing_orgs(user)]
    if not org_ids:
        return 0
    mine = select(Project.id).where(Project.org_id.in_(org_ids))
    interests = (
        select(func.count(ProjectInterest.id))
        .where(
            ProjectInterest.project_id.in_(mine),
            ProjectInterest.withdrawn_at.is_(None),
            ProjectInterest.followed_up_at.is_(None),
        )
        .scalar_subquery()
    )
    referrals = (
        select(func.count(ProjectReferral.id))
        .where(ProjectReferral.project_id.in_(mine), ProjectReferral.followed_up_at.is_(None))
        .scalar_subquery()
    )
    return db.session.scalar(select(interests + referrals)) or 0
