"""Who a campaign reaches and how far each of them is, in SQL, a few statements per page.

Nothing is stored per member. A member is targeted while their CURRENT home or host organisation
lies in a target subtree (``orgs.scope.covers``): moved in mid-campaign, they are targeted from
then on; moved out, they drop off the lists, and what they studied stays in their archive.

A member's standing is read from the completion data the school keeps anyway:

* a required course is done when the member's ``CourseProgress`` has ``completed_at``;
* a required quiz is done when one of their (non-preview) attempts passed;
* the 学时 target counts every archive entry between the start and the deadline (local days).

finished: every required item done and the 学时 target met (whenever that happened);
overdue: not finished and the deadline has passed; in_progress: something of the campaign begun
(a course started, a quiz attempted, 学时 earned in the period); not_started: nothing yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    distinct,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import aliased, selectinload

from school.archive.models import ArchiveEntry, CourseProgress
from school.auth.models import User
from school.campaigns.models import STATES, Campaign, CampaignItem, CampaignTarget
from school.clock import local_zone
from school.db import db
from school.orgs.models import Organisation
from school.orgs.scope import covers
from school.quizzes.models import Attempt

PER_PAGE = 50
# Reports list members in this order: those needing a push first.
STATE_ORDER = ("overdue", "not_started", "in_progress", "finished")


def period_bounds(campaign: Campaign) -> tuple[datetime, datetime]:
    """The UTC instants where the campaign's first local day starts and its deadline day ends."""
    zone = local_zone()
    start = datetime.combine(campaign.start_on, time(), zone).astimezone(UTC)
    end = datetime.combine(campaign.deadline + timedelta(days=1), time(), zone).astimezone(UTC)
    return start, end


def targeted(campaign: Campaign) -> ColumnElement[bool]:
    """A WHERE clause on User: the members the campaign reaches now (one lookup per target)."""
    return or_(false(), *[covers(t.org, t.side, t.floating_only) for t in campaign.targets])


def _ids(campaign: Campaign, required: bool | None = None) -> tuple[list[int], list[int]]:
    items = [i for i in campaign.items if required is None or i.required == required]
    return (
        [i.course_id for i in items if i.course_id is not None],
        [i.quiz_id for i in items if i.quiz_id is not None],
    )


def _tenths(value: Decimal | None) -> int:
    return int((value or Decimal(0)) * 10)


@dataclass(frozen=True)
class Columns:
    """Per-member figures of one campaign, as SQL correlated to ``User.id``."""

    done: ColumnElement[int]
    hours: ColumnElement[int]  # tenths of 学时 in the period
    state: ColumnElement[str]
    finished: ColumnElement[bool]


def columns(campaign: Campaign, today: date) -> Columns:
    """The required items done, the period's 学时 (tenths) and the state, per member row."""
    courses, quizzes = _ids(campaign, required=True)
    all_courses, all_quizzes = _ids(campaign)
    done_courses = (
        select(func.count())
        .select_from(CourseProgress)
        .where(
            CourseProgress.member_id == User.id,
            CourseProgress.course_id.in_(courses),
            CourseProgress.completed_at.is_not(None),
        )
        .correlate(User)
        .scalar_subquery()
        if courses
        else literal(0)
    )
    done_quizzes = (
        select(func.count(distinct(Attempt.quiz_id)))
        .where(
            Attempt.user_id == User.id,
            Attempt.quiz_id.in_(quizzes),
            Attempt.passed.is_(True),
            Attempt.preview.is_(False),
        )
        .correlate(User)
        .scalar_subquery()
        if quizzes
        else literal(0)
    )
    done = done_courses + done_quizzes
    start, end = period_bounds(campaign)
    target = campaign.hours_target
    hours = (
        select(func.coalesce(func.sum(type_coerce(ArchiveEntry.hours, Integer)), 0))
        .where(
            ArchiveEntry.member_id == User.id,
            ArchiveEntry.completed_at >= start,
            ArchiveEntry.completed_at < end,
        )
        .correlate(User)
        .scalar_subquery()
        if target
        else literal(0)
    )
    begun = [
        exists().where(
            CourseProgress.member_id == User.id, CourseProgress.course_id.in_(all_courses)
        )
        if all_courses
        else false(),
        exists().where(
            Attempt.user_id == User.id,
            Attempt.quiz_id.in_(all_quizzes),
            Attempt.preview.is_(False),
        )
        if all_quizzes
        else false(),
    ]
    if target:
        begun.append(hours > 0)
    finished = done >= len(courses) + len(quizzes)
    if target:
        finished = and_(finished, hours >= _tenths(target))
    whens = [(finished, "finished")]
    if today > campaign.deadline:
        whens.append((true(), "overdue"))
    state = case(*whens, (or_(*begun), "in_progress"), else_="not_started")
    return Columns(done.label("done"), hours.label("hours"), state.label("state"), finished)


def load(campaign_id: int) -> Campaign | None:
    """A campaign with its items (and their courses and quizzes) and targets, in four statements."""
    return db.session.scalar(
        select(Campaign)
        .where(Campaign.id == campaign_id)
        .options(
            selectinload(Campaign.items).selectinload(CampaignItem.course),
            selectinload(Campaign.items).selectinload(CampaignItem.quiz),
            selectinload(Campaign.targets).selectinload(CampaignTarget.org),
            selectinload(Campaign.org),
        )
    )


def due_between(first: date, last: date) -> list[Campaign]:
    """Launched campaigns whose deadline falls in [first, last], with items and targets (the
    reports' overdue list); a closed campaign is over and leaves it."""
    return list(
        db.session.scalars(
            select(Campaign)
            .where(
                Campaign.status == "launched",
                Campaign.deadline >= first,
                Campaign.deadline <= last,
            )
            .options(
                selectinload(Campaign.items),
                selectinload(Campaign.targets).selectinload(CampaignTarget.org),
            )
            .order_by(Campaign.deadline, Campaign.id)
        )
    )


def _members(campaign: Campaign, org: Organisation) -> ColumnElement[bool]:
    return and_(targeted(campaign), covers(org))


# --- the report per organisation ----------------------------------------------------------------


@dataclass
class Counts:
    """How many members stand where, for one organisation of a report."""

    org: Organisation | None
    by_state: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_state.values())

    def __getitem__(self, state: str) -> int:
        return self.by_state.get(state, 0)

    @property
    def percent(self) -> int:
        return self["finished"] * 100 // self.total if self.total else 0


@dataclass
class Report:
    """A campaign's report over one organisation: its children, its own members, the total."""

    org: Organisation
    total: Counts
    children: list[Counts]
    own: Counts


def report(campaign: Campaign, org: Organisation, today: date) -> Report:
    """Counts per state over ``org`` and per child organisation (a member under two children,
    home in one and host in another, is counted under both, as the school's reports do).

    One statement for the counts: the members' standings are computed once, in a CTE that both
    halves read (PostgreSQL and SQLite materialise a CTE used twice), then the children.
    """
    cols = columns(campaign, today)
    home, host = aliased(Organisation), aliased(Organisation)
    members = (
        select(
            User.id.label("id"),
            User.home_org_id.label("home_id"),
            User.host_org_id.label("host_id"),
            home.path.label("home_path"),
            host.path.label("host_path"),
            cols.state,
        )
        .outerjoin(home, home.id == User.home_org_id)
        .outerjoin(host, host.id == User.host_org_id)
        .where(_members(campaign, org))
        .cte("campaign_members")
    )
    child = aliased(Organisation)
    per_child = (
        select(
            child.id.label("org_id"),
            members.c.state,
            func.count(distinct(members.c.id)).label("members"),
            literal(0).label("own"),
        )
        .join(
            members,
            or_(
                members.c.home_path.startswith(child.path),
                members.c.host_path.startswith(child.path),
            ),
        )
        .where(child.parent_id == org.id)
        .group_by(child.id, members.c.state)
    )
    own_side = or_(members.c.home_id == org.id, members.c.host_id == org.id)
    totals = select(
        literal(None, Integer).label("org_id"),
        members.c.state,
        func.count().label("members"),
        func.sum(case((own_side, 1), else_=0)).label("own"),
    ).group_by(members.c.state)
    rows = db.session.execute(union_all(per_child, totals)).all()
    child_ids = sorted({r.org_id for r in rows if r.org_id is not None})
    orgs = {
        o.id: o
        for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(child_ids)))
    }
    children: dict[int, Counts] = {}
    total, own = Counts(org), Counts(org)
    for r in rows:
        if r.org_id is None:
            total.by_state[r.state] = int(r.members)
            if r.own:
                own.by_state[r.state] = int(r.own)
        else:
            children.setdefault(r.org_id, Counts(orgs[r.org_id])).by_state[r.state] = int(r.members)
    return Report(org, total, [children[i] for i in child_ids], own)


def finishers(campaign: Campaign) -> ColumnElement[bool]:
    """A WHERE clause on User: the member has finished the campaign, as ``columns``' finished
    says, but set-based: each requirement is one grouped pass over its table that the database
    joins once, where the per-member counts of ``columns`` run a lookup per member."""
    courses, quizzes = _ids(campaign, required=True)
    met = []
    if courses:
        met.append(
            select(CourseProgress.member_id)
            .where(CourseProgress.course_id.in_(courses), CourseProgress.completed_at.is_not(None))
            .group_by(CourseProgress.member_id)
            .having(func.count() >= len(courses))
        )
    if quizzes:
        met.append(
            select(Attempt.user_id)
            .where(
                Attempt.quiz_id.in_(quizzes),
                Attempt.passed.is_(True),
                Attempt.preview.is_(False),
            )
            .group_by(Attempt.user_id)
            .having(func.count(distinct(Attempt.quiz_id)) >= len(quizzes))
        )
    if campaign.hours_target:
        start, end = period_bounds(campaign)
        met.append(
            select(ArchiveEntry.member_id)
            .where(ArchiveEntry.completed_at >= start, ArchiveEntry.completed_at < end)
            .group_by(ArchiveEntry.member_id)
            .having(
                func.sum(type_coerce(ArchiveEntry.hours, Integer)) >= _tenths(campaign.hours_target)
            )
        )
    return and_(true(), *[User.id.in_(ids) for ids in met])


def unfinished(campaign: Campaign, org: Organisation) -> int:
    """How many members over ``org`` have not finished (one statement, without the per-state
    split: the 已开始 checks are the costly part of a standing and a count needs none)."""
    counted = select(func.count(), func.count().filter(finishers(campaign)))
    everyone, done = db.session.execute(counted.where(_members(campaign, org))).one()
    return everyone - done


# --- members, one page at a time, and the export -----------------------------------------------


@dataclass(frozen=True)
class MemberRow:
    member: User
    state: str
    done: int
    hours: Decimal

    @property
    def state_label(self) -> str:
        return STATES[self.state]


@dataclass(frozen=True)
class MemberPage:
    rows: list[MemberRow]
    total: int
    page: int
    pages: int


def _member_select(
    campaign: Campaign,
    who: ColumnElement[bool],
    today: date,
    state: str | None,
    *,
    behind_first: bool = True,
):
    cols = columns(campaign, today)
    # The standing is computed once per member in a subquery, then filtered and sorted on.
    standing = select(User.id.label("id"), cols.state, cols.done, cols.hours).where(who).subquery()
    query = (
        select(User, standing.c.state, standing.c.done, standing.c.hours)
        .join(standing, standing.c.id == User.id)
        .options(selectinload(User.home_org), selectinload(User.host_org))
    )
    if state in STATES:
        query = query.where(standing.c.state == state)
    if not behind_first:
        return query.order_by(User.name, User.id)
    order = case({s: n for n, s in enumerate(STATE_ORDER)}, value=standing.c.state)
    return query.order_by(order, User.name, User.id)


def _rows(result) -> list[MemberRow]:
    return [MemberRow(r.User, r.state, int(r.done), Decimal(int(r.hours)) / 10) for r in result]


def member_page(
    campaign: Campaign, org: Organisation, today: date, state: str | None = None, page: int = 1
) -> MemberPage:
    """One page of the targeted members over ``org``: of one state if asked (every member's
    standing is computed to find them), else all by name (only the page's are computed)."""
    who = _members(campaign, org)
    if state in STATES:
        query = _member_select(campaign, who, today, state)
        counted = query.with_only_columns(User.id)
    else:
        counted = select(User.id).where(who)
    total = db.session.scalar(select(func.count()).select_from(counted.subquery())) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    offset = (page - 1) * PER_PAGE
    if state not in STATES:
        ids = db.session.scalars(
            counted.order_by(User.name, User.id).limit(PER_PAGE).offset(offset)
        ).all()
        query = _member_select(campaign, User.id.in_(ids), today, None, behind_first=False)
        result = db.session.execute(query).all()
    else:
        result = db.session.execute(query.limit(PER_PAGE).offset(offset)).all()
    return MemberPage(_rows(result), total, page, pages)


def all_members(campaign: Campaign, org: Organisation, today: date) -> list[MemberRow]:
    """Every targeted member over ``org`` with their standing (the export)."""
    query = _member_select(campaign, _members(campaign, org), today, None)
    return _rows(db.session.execute(query).all())


def behind(campaign: Campaign, today: date) -> ColumnElement[bool]:
    """A WHERE clause on User: targeted by the campaign and not finished (the overdue list)."""
    return and_(targeted(campaign), columns(campaign, today).state != "finished")


def unfinished_among(campaign: Campaign, member_ids: list[int], today: date) -> set[int]:
    """Which of these members the campaign targets and who have not finished it."""
    if not member_ids:
        return set()
    return set(
        db.session.scalars(select(User.id).where(User.id.in_(member_ids), behind(campaign, today)))
    )


def finished_members(campaign: Campaign, today: date, among: list[int] | None = None) -> list[User]:
    """Every targeted member who has finished the campaign, or those of ``among`` (one
    statement)."""
    finished = and_(targeted(campaign), columns(campaign, today).state == "finished")
    if among is not None:
        finished = and_(User.id.in_(among), finished)
    return list(db.session.scalars(select(User).where(finished).order_by(User.id)))


# --- one member ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemState:
    item: CampaignItem
    done: bool
    started: bool

    @property
    def label(self) -> str:
        return "已完成" if self.done else "学习中" if self.started else "未开始"


@dataclass(frozen=True)
class Standing:
    """One member's progress in one campaign, item by item."""

    campaign: Campaign
    items: list[ItemState]
    hours: Decimal
    state: str
    days_left: int

    @property
    def state_label(self) -> str:
        return STATES[self.state]

    @property
    def required_done(self) -> int:
        return sum(1 for s in self.items if s.item.required and s.done)

    @property
    def required_total(self) -> int:
        return sum(1 for s in self.items if s.item.required)

    @property
    def percent(self) -> int:
        """Required items and the 学时 target as parts of one whole."""
        parts, done = self.required_total, Decimal(self.required_done)
        if self.campaign.hours_target:
            parts += 1
            done += min(Decimal(1), self.hours / self.campaign.hours_target)
        return int(done * 100 / parts) if parts else 100


def standing(member: User, campaign: Campaign, today: date) -> Standing:
    """The member's progress item by item, computed in Python from their own rows (three
    statements): the member page shows it, and tests hold the SQL of the reports to it."""
    courses, quizzes = _ids(campaign)
    progress = {
        p.course_id: p
        for p in db.session.scalars(
            select(CourseProgress).where(
                CourseProgress.member_id == member.id, CourseProgress.course_id.in_(courses)
            )
        )
    }
    attempts = db.session.execute(
        select(Attempt.quiz_id, Attempt.passed).where(
            Attempt.user_id == member.id,
            Attempt.quiz_id.in_(quizzes),
            Attempt.preview.is_(False),
        )
    ).all()
    passed = {a.quiz_id for a in attempts if a.passed}
    tried = {a.quiz_id for a in attempts}
    hours = Decimal(0)
    if campaign.hours_target:
        start, end = period_bounds(campaign)
        hours = (
            Decimal(
                db.session.scalar(
                    select(
                        func.coalesce(func.sum(type_coerce(ArchiveEntry.hours, Integer)), 0)
                    ).where(
                        ArchiveEntry.member_id == member.id,
                        ArchiveEntry.completed_at >= start,
                        ArchiveEntry.completed_at < end,
                    )
                )
                or 0
            )
            / 10
        )
    items = []
    for item in campaign.items:
        if item.course_id is not None:
            row = progress.get(item.course_id)
            done = row is not None and row.completed_at is not None
            items.append(ItemState(item, done, row is not None))
        else:
            items.append(ItemState(item, item.quiz_id in passed, item.quiz_id in tried))
    finished = all(s.done for s in items if s.item.required) and (
        not campaign.hours_target or hours >= campaign.hours_target
    )
    if finished:
        state = "finished"
    elif today > campaign.deadline:
        state = "overdue"
    elif any(s.started for s in items) or hours > 0:
        state = "in_progress"
    else:
        state = "not_started"
    return Standing(campaign, items, hours, state, (campaign.deadline - today).days)


def reaching(member: User, today: date) -> Select:
    """Launched campaigns that have started and reach the member now (SQL, one statement).

    The member's organisations' paths come from the login check when it has them.
    """
    paths = [member.figures.get(f"{side}_org_path") for side in ("home", "host")]
    if "home_org_path" not in member.figures:
        paths = [org.path if org else None for org in (member.home_org, member.host_org)]
    home_path, host_path = paths
    sides = [
        and_(CampaignTarget.side.in_(("both", side)), literal(path).startswith(Organisation.path))
        for side, path in (("home", home_path), ("host", host_path))
        if path
    ]
    query = (
        select(Campaign.id)
        .join(CampaignTarget, CampaignTarget.campaign_id == Campaign.id)
        .join(Organisation, Organisation.id == CampaignTarget.org_id)
        .where(
            Campaign.status == "launched",
            Campaign.start_on <= today,
            or_(false(), *sides),
        )
    )
    if not member.is_floating:
        query = query.where(CampaignTarget.floating_only.is_(False))
    return query


def open_for(member: User, today: date) -> list[Standing]:
    """The member's open campaigns not finished, nearest deadline first (the home page's
    to-dos): one statement when none reaches them."""
    if member.is_admin:
        return []
    found = db.session.scalars(
        select(Campaign)
        .where(Campaign.id.in_(reaching(member, today)))
        .options(
            selectinload(Campaign.items).selectinload(CampaignItem.course),
            selectinload(Campaign.items).selectinload(CampaignItem.quiz),
        )
        .order_by(Campaign.deadline, Campaign.id)
    ).all()
    standings = [standing(member, campaign, today) for campaign in found]
    return [s for s in standings if s.state != "finished"]
