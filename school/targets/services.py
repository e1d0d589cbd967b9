"""Target schemes: defining, publishing, scoring, self-reports, and each member's result.

A scheme's life: draft (indicators added, changed, removed) → published (indicators frozen;
members see their sheet, staff score) → superseded (a new version of the same organisation,
side and year was published; its scores and self-reports stay as history).

Publishing asks for a complete scheme: every one of the four dimensions has an indicator and the
weights add up to exactly 100, so a result's points are already out of 100.

How each indicator is measured (points rounded to one decimal):

* ``hours``: the year's 学时 against the member's quota (32, or 56 for cadres):
  weight × min(1, 学时 ÷ quota): full points at the quota, proportional below;
* ``campaigns``: campaigns launched (or closed) with a deadline in the year that reach the
  member: weight × finished ÷ reached; none reached: full points (nothing was asked);
* ``offline``: the year's offline study in the archive, a class session attended included
  (each is one offline entry; a corrected entry does not count): weight × min(1, n ÷ threshold),
  threshold 4 unless the scheme says;
* ``board``: questions, suggestions and situation reports the member posted in the year under
  their own name (withdrawn, hidden, unapproved and anonymous ones never count: an anonymous
  item stays unlinked to its author) and replies they wrote on others' items:
  weight × min(1, n ÷ threshold), threshold 3 unless the scheme says;
* ``manual``: the latest score staff of the named side gave, 0..weight; none yet: 0 points
  and the result is marked incomplete.

The result is the points' sum ÷ the weights' sum × 100, with a suggested grade for the
democratic appraisal (never final): 优秀 ≥ 90, 合格 ≥ 70, 基本合格 ≥ 60, otherwise 不合格.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, selectinload

from school.archive.models import ArchiveEntry, YearProgress
from school.archive.services import quota_hours
from school.auth.models import User
from school.campaigns.models import Campaign, CampaignTarget
from school.campaigns.progress import finishers, targeted
from school.classes.models import ClassSession
from school.clock import year_bounds
from school.db import db, utcnow
from school.forum.models import Post, Thread
from school.orgs.models import Organisation
from school.orgs.permissions import manages, reads
from school.orgs.scope import covers, read_roots, subtrees_in
from school.targets.models import (
    DIMENSIONS,
    MEASURES,
    SIDES,
    SelfReport,
    TargetIndicator,
    TargetScheme,
    TargetScore,
)

REPORT_MAX = 1000
COMMENT_MAX = 500
PER_PAGE = 50
# Suggested grades for the democratic appraisal, highest first: (lowest score, grade).
GRADES = ((Decimal(90), "优秀"), (Decimal(70), "合格"), (Decimal(60), "基本合格"))
FAIL_GRADE = "不合格"
BOARDS_COUNTED = ("qa", "suggestion", "report")
FILTERS = {"scored": "已评分", "unscored": "待评分"}
_TENTH = Decimal("0.1")


class TargetError(ValueError):
    """A change the scheme's rules refuse; str(exc) is a message in Chinese."""


# ---- defining a scheme ---------------------------------------------------------------------


@dataclass(frozen=True)
class SchemeFields:
    title: str
    side: str
    year: int
    period_start: date
    period_end: date
    description: str = ""


@dataclass(frozen=True)
class IndicatorFields:
    dimension: str
    title: str
    weight: int
    measure: str
    description: str = ""
    threshold: int | None = None
    scorer_side: str | None = None


def _check_scheme(fields: SchemeFields) -> None:
    if fields.side not in SIDES:
        raise TargetError("请选择方案适用的党员（流出地或流入地）。")
    if fields.period_end < fields.period_start:
        raise TargetError("述职期的结束日期不能早于开始日期。")
    # The period falls in the year assessed or early in the next (a year-end appraisal).
    if not {fields.period_start.year, fields.period_end.year} <= {fields.year, fields.year + 1}:
        raise TargetError("述职期应在考核年度内或次年。")


def create_scheme(actor: User, org: Organisation, fields: SchemeFields) -> TargetScheme:
    """A new draft scheme (version 1) of ``org`` for one side of its members and one year."""
    _check_scheme(fields)
    taken = db.session.scalar(
        select(func.count(TargetScheme.id)).where(
            TargetScheme.org_id == org.id,
            TargetScheme.side == fields.side,
            TargetScheme.year == fields.year,
        )
    )
    if taken:
        raise TargetError("本组织这一年度已有同一范围的考核方案，请在原方案上修改或建立新版本。")
    scheme = TargetScheme(org=org, version=1, created_by_id=actor.id, status="draft")
    _assign(scheme, fields)
    try:
        with db.session.begin_nested():
            db.session.add(scheme)
            db.session.flush()
    except IntegrityError:
        # Two staff creating the same scheme at once: the first one stands.
        raise TargetError("本组织这一年度已有同一范围的考核方案。") from None
    return scheme


def _assign(scheme: TargetScheme, fields: SchemeFields) -> None:
    scheme.title = fields.title.strip()
    scheme.description = fields.description.strip()
    scheme.side = fields.side
    scheme.year = fields.year
    scheme.period_start = fields.period_start
    scheme.period_end = fields.period_end


def _draft(scheme: TargetScheme) -> None:
    if not scheme.is_draft:
        raise TargetError("方案已发布，指标不能再修改；如需调整请建立新版本。")


def update_scheme(scheme: TargetScheme, fields: SchemeFields) -> TargetScheme:
    """Change a draft's title, period and description (side and year stay)."""
    _draft(scheme)
    _check_scheme(fields)
    if (fields.side, fields.year) != (scheme.side, scheme.year):
        raise TargetError("方案的适用范围和年度建立后不能修改。")
    _assign(scheme, fields)
    db.session.flush()
    return scheme


def _check_indicator(fields: IndicatorFields) -> None:
    if fields.dimension not in DIMENSIONS:
        raise TargetError("请选择考核维度。")
    if fields.measure not in MEASURES:
        raise TargetError("请选择考核方式。")
    if not fields.title.strip():
        raise TargetError("请填写指标名称。")
    if not 1 <= fields.weight <= 100:
        raise TargetError("分值应在 1 到 100 之间。")
    if fields.measure == "manual" and fields.scorer_side not in SIDES:
        raise TargetError("人工评分的指标请选择由哪一方评分。")
    if fields.threshold is not None and not 1 <= fields.threshold <= 1000:
        raise TargetError("满分所需次数应在 1 到 1000 之间。")


def _apply(indicator: TargetIndicator, fields: IndicatorFields) -> None:
    indicator.dimension = fields.dimension
    indicator.title = fields.title.strip()
    indicator.description = fields.description.strip()
    indicator.weight = fields.weight
    indicator.measure = fields.measure
    counted = fields.measure in ("offline", "board")
    indicator.threshold = fields.threshold if counted else None
    indicator.scorer_side = fields.scorer_side if fields.measure == "manual" else None


def add_indicator(scheme: TargetScheme, fields: IndicatorFields) -> TargetIndicator:
    """Add an indicator to a draft, after the others of its dimension."""
    _draft(scheme)
    _check_indicator(fields)
    position = list(DIMENSIONS).index(fields.dimension) * 100 + len(scheme.indicators)
    indicator = TargetIndicator(scheme=scheme, position=position)
    _apply(indicator, fields)
    db.session.add(indicator)
    db.session.flush()
    return indicator


def update_indicator(indicator: TargetIndicator, fields: IndicatorFields) -> TargetIndicator:
    """Change an indicator of a draft."""
    _draft(indicator.scheme)
    _check_indicator(fields)
    if fields.dimension != indicator.dimension:
        indicator.position = (
            list(DIMENSIONS).index(fields.dimension) * 100 + indicator.position % 100
        )
    _apply(indicator, fields)
    db.session.flush()
    return indicator


def remove_indicator(indicator: TargetIndicator) -> None:
    """Take an indicator out of a draft."""
    scheme = indicator.scheme
    _draft(scheme)
    scheme.indicators.remove(indicator)
    db.session.flush()


def publication_problems(scheme: TargetScheme) -> list[str]:
    """Why a draft cannot be published yet (empty: it can)."""
    problems = []
    present = {i.dimension for i in scheme.indicators}
    missing = [label for key, label in DIMENSIONS.items() if key not in present]
    if missing:
        problems.append(f"以下维度还没有指标：{'、'.join(missing)}。")
    if scheme.total_weight != 100:
        problems.append(f"各指标分值合计应为 100 分，现为 {scheme.total_weight} 分。")
    return problems


def _lock(scheme: TargetScheme) -> None:
    db.session.execute(
        select(TargetScheme.id).where(TargetScheme.id == scheme.id).with_for_update()
    )
    db.session.refresh(scheme, ["status"])


def publish(scheme: TargetScheme, actor: User, now: datetime | None = None) -> TargetScheme:
    """Publish a complete draft; the version it replaces (if any) becomes history."""
    _lock(scheme)
    _draft(scheme)
    problems = publication_problems(scheme)
    if problems:
        raise TargetError(" ".join(problems))
    for older in db.session.scalars(
        select(TargetScheme).where(
            TargetScheme.org_id == scheme.org_id,
            TargetScheme.side == scheme.side,
            TargetScheme.year == scheme.year,
            TargetScheme.status == "published",
        )
    ):
        older.status = "superseded"
    scheme.status = "published"
    scheme.published_by_id = actor.id
    scheme.published_at = now or utcnow()
    db.session.flush()
    return scheme


def new_version(scheme: TargetScheme, actor: User) -> TargetScheme:
    """A draft copy of a published scheme, to change and publish in its place."""
    if scheme.status != "published":
        raise TargetError("只有已发布的方案可以建立新版本。")
    siblings = list(
        db.session.scalars(
            select(TargetScheme).where(
                TargetScheme.org_id == scheme.org_id,
                TargetScheme.side == scheme.side,
                TargetScheme.year == scheme.year,
            )
        )
    )
    if any(s.is_draft for s in siblings):
        raise TargetError("这个方案已有一个未发布的新版本，请在那里修改。")
    copy = TargetScheme(
        org_id=scheme.org_id,
        side=scheme.side,
        year=scheme.year,
        version=max(s.version for s in siblings) + 1,
        title=scheme.title,
        description=scheme.description,
        status="draft",
        period_start=scheme.period_start,
        period_end=scheme.period_end,
        created_by_id=actor.id,
    )
    for old in scheme.indicators:
        copy.indicators.append(
            TargetIndicator(
                dimension=old.dimension,
                position=old.position,
                title=old.title,
                description=old.description,
                weight=old.weight,
                measure=old.measure,
                threshold=old.threshold,
                scorer_side=old.scorer_side,
            )
        )
    db.session.add(copy)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise TargetError("这个方案已有一个未发布的新版本，请在那里修改。") from None
    return copy


# ---- scores and self-reports ---------------------------------------------------------------


def record_score(
    actor: User, indicator: TargetIndicator, member: User, points: int, comment: str
) -> TargetScore:
    """A new score of a manual indicator (0..weight); earlier scores stay as history."""
    if not indicator.is_manual or indicator.scheme.status != "published":
        raise TargetError("只能为已发布方案中的人工评分指标评分。")
    if not 0 <= points <= indicator.weight:
        raise TargetError(f"“{indicator.title}”的得分应在 0 到 {indicator.weight} 分之间。")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise TargetError(f"评语最多 {COMMENT_MAX} 个字。")
    latest = db.session.scalar(
        select(TargetScore)
        .where(TargetScore.indicator_id == indicator.id, TargetScore.member_id == member.id)
        .order_by(TargetScore.id.desc())
        .limit(1)
    )
    if latest is not None and (latest.points, latest.comment, latest.scored_by_id) == (
        points,
        comment,
        actor.id,
    ):
        # The same form sent twice: one score, not two lines of history.
        return latest
    score = TargetScore(
        indicator_id=indicator.id,
        member_id=member.id,
        points=points,
        comment=comment,
        scored_by_id=actor.id,
    )
    db.session.add(score)
    db.session.flush()
    return score


def save_self_report(member: User, scheme: TargetScheme, body: str, today: date) -> SelfReport:
    """Write or change the member's self-report, within the scheme's appraisal period only.

    Sending the same text twice (two taps, two tabs) leaves one report with that text.
    """
    if not scheme.in_period(today):
        raise TargetError(
            f"自评述职只能在述职期内填写（{scheme.period_start} 至 {scheme.period_end}）。"
        )
    body = (body or "").strip()
    if not body:
        raise TargetError("请填写自评述职。")
    if len(body) > REPORT_MAX:
        raise TargetError(f"自评述职最多 {REPORT_MAX} 个字，现有 {len(body)} 个字。")
    report = _report(scheme, member)
    if report is None:
        report = SelfReport(scheme_id=scheme.id, member_id=member.id, body=body)
        try:
            with db.session.begin_nested():
                db.session.add(report)
                db.session.flush()
            return report
        except IntegrityError:
            # The other tab wrote first: this text replaces it.
            report = _report(scheme, member)
            assert report is not None
    report.body = body
    report.updated_at = utcnow()
    db.session.flush()
    return report


def _report(scheme: TargetScheme, member: User) -> SelfReport | None:
    return db.session.scalar(
        select(SelfReport).where(
            SelfReport.scheme_id == scheme.id, SelfReport.member_id == member.id
        )
    )


# ---- results -------------------------------------------------------------------------------


def _round(value: Decimal) -> Decimal:
    return value.quantize(_TENTH, rounding=ROUND_HALF_UP)


def grade_for(score: Decimal) -> str:
    """The suggested grade of a result out of 100."""
    return next((grade for floor, grade in GRADES if score >= floor), FAIL_GRADE)


@dataclass(frozen=True)
class IndicatorResult:
    indicator: TargetIndicator
    points: Decimal | None  # None: a manual indicator not scored yet
    evidence: str
    score: TargetScore | None = None


@dataclass(frozen=True)
class DimensionResult:
    key: str
    label: str
    points: Decimal
    weight: int


@dataclass(frozen=True)
class TargetResult:
    """A member's result under a scheme: out of 100, with a suggested (never final) grade."""

    member: User
    scheme: TargetScheme
    indicators: list[IndicatorResult]
    score: Decimal
    grade: str
    complete: bool  # every manual indicator scored
    self_report: SelfReport | None = None

    @property
    def dimensions(self) -> list[DimensionResult]:
        """Subtotals per dimension, in the four dimensions' order."""
        subtotal: dict[str, list] = {key: [Decimal(0), 0] for key in DIMENSIONS}
        for line in self.indicators:
            subtotal[line.indicator.dimension][0] += line.points or 0
            subtotal[line.indicator.dimension][1] += line.indicator.weight
        return [
            DimensionResult(key, DIMENSIONS[key], _round(pts), weight)
            for key, (pts, weight) in subtotal.items()
            if weight
        ]

    @property
    def link(self) -> tuple[str, dict[str, int]]:
        """Where staff read the sheet: an endpoint and its arguments for ``url_for``."""
        return "targets.sheet", {"scheme_id": self.scheme.id, "member_id": self.member.id}

    @property
    def points(self) -> Decimal:
        return sum((line.points or Decimal(0) for line in self.indicators), Decimal(0))


@dataclass
class _Facts:
    hours: dict[int, Decimal] = field(default_factory=dict)
    campaigns: dict[int, tuple[int, int]] = field(default_factory=dict)  # finished, reached
    offline: dict[int, int] = field(default_factory=dict)
    threads: dict[int, int] = field(default_factory=dict)
    replies: dict[int, int] = field(default_factory=dict)
    scores: dict[tuple[int, int], TargetScore] = field(default_factory=dict)
    reports: dict[int, SelfReport] = field(default_factory=dict)


def year_campaigns(year: int) -> list[Campaign]:
    """Campaigns launched (or since closed) whose deadline falls in the year."""
    return list(
        db.session.scalars(
            select(Campaign)
            .where(
                Campaign.status.in_(("launched", "closed")),
                Campaign.deadline >= date(year, 1, 1),
                Campaign.deadline <= date(year, 12, 31),
            )
            .options(
                selectinload(Campaign.targets).selectinload(CampaignTarget.org),
                selectinload(Campaign.items),
            )
            .order_by(Campaign.deadline, Campaign.id)
        )
    )


def _campaign_flags(campaigns: list[Campaign], ids: list[int]) -> dict[int, list[tuple]]:
    """Per member, (campaign, reached, finished) for each campaign: one statement for all."""
    columns = []
    for campaign in campaigns:
        reached = targeted(campaign)
        columns.append(case((reached, 1), else_=0))
        columns.append(case((and_(reached, finishers(campaign)), 1), else_=0))
    rows = db.session.execute(select(User.id, *columns).where(User.id.in_(ids))).all()
    return {
        row[0]: [(c, bool(row[1 + 2 * n]), bool(row[2 + 2 * n])) for n, c in enumerate(campaigns)]
        for row in rows
    }


def _uncorrected():
    correction = aliased(ArchiveEntry)
    return ~exists().where(correction.corrects_id == ArchiveEntry.id)


def _thread_filter(year: int):
    start, end = year_bounds(year)
    return and_(
        Thread.board.in_(BOARDS_COUNTED),
        Thread.anonymous.is_(False),
        Thread.state != "withdrawn",
        Thread.approved.is_(True),
        Thread.hidden.is_(False),
        Thread.faq_source_id.is_(None),
        Thread.created_at >= start,
        Thread.created_at < end,
    )


def _reply_filter(year: int):
    start, end = year_bounds(year)
    return and_(
        Post.kind == "reply",
        Post.hidden.is_(False),
        Post.created_at >= start,
        Post.created_at < end,
        Thread.hidden.is_(False),
        # Replies on one's own item are not answering anyone (and could name an anonymous one).
        Thread.author_id != Post.author_id,
    )


def _facts(scheme: TargetScheme, ids: list[int]) -> _Facts:
    """Everything the scheme's indicators read, for these members, in a fixed number of
    statements whatever their number (a statement per kind of measure)."""
    facts = _Facts()
    if not ids:
        return facts
    measures = {i.measure for i in scheme.indicators}
    year = scheme.year
    start, end = year_bounds(year)
    if "hours" in measures:
        facts.hours = dict(
            db.session.execute(
                select(YearProgress.member_id, YearProgress.hours).where(
                    YearProgress.member_id.in_(ids), YearProgress.year == year
                )
            ).all()
        )
    if "campaigns" in measures:
        campaigns = year_campaigns(year)
        if campaigns:
            for member_id, flags in _campaign_flags(campaigns, ids).items():
                reached = [f for f in flags if f[1]]
                facts.campaigns[member_id] = (sum(1 for f in reached if f[2]), len(reached))
    if "offline" in measures:
        facts.offline = dict(
            db.session.execute(
                select(ArchiveEntry.member_id, func.count())
                .where(
                    ArchiveEntry.member_id.in_(ids),
                    ArchiveEntry.kind == "offline",
                    ArchiveEntry.completed_at >= start,
                    ArchiveEntry.completed_at < end,
                    _uncorrected(),
                )
                .group_by(ArchiveEntry.member_id)
            ).all()
        )
    if "board" in measures:
        facts.threads = dict(
            db.session.execute(
                select(Thread.author_id, func.count())
                .where(Thread.author_id.in_(ids), _thread_filter(year))
                .group_by(Thread.author_id)
            ).all()
        )
        facts.replies = dict(
            db.session.execute(
                select(Post.author_id, func.count())
                .join(Thread, Thread.id == Post.thread_id)
                .where(Post.author_id.in_(ids), _reply_filter(year))
                .group_by(Post.author_id)
            ).all()
        )
    manual = [i.id for i in scheme.indicators if i.is_manual]
    if manual:
        latest = (
            select(func.max(TargetScore.id))
            .where(TargetScore.indicator_id.in_(manual), TargetScore.member_id.in_(ids))
            .group_by(TargetScore.member_id, TargetScore.indicator_id)
        )
        for score in db.session.scalars(
            select(TargetScore)
            .where(TargetScore.id.in_(latest))
            .options(selectinload(TargetScore.scored_by))
        ):
            facts.scores[(score.member_id, score.indicator_id)] = score
    facts.reports = {
        r.member_id: r
        for r in db.session.scalars(
            select(SelfReport).where(
                SelfReport.scheme_id == scheme.id, SelfReport.member_id.in_(ids)
            )
        )
    }
    return facts


def _share(weight: int, done: Decimal | int, full: Decimal | int) -> Decimal:
    if not full:
        return Decimal(weight)
    return _round(Decimal(weight) * min(Decimal(1), Decimal(done) / Decimal(full)))


def _line(indicator: TargetIndicator, member: User, facts: _Facts) -> IndicatorResult:
    weight, measure, mid = indicator.weight, indicator.measure, member.id
    if measure == "hours":
        hours, quota = facts.hours.get(mid, Decimal(0)), quota_hours(member.is_cadre)
        return IndicatorResult(
            indicator, _share(weight, hours, quota), f"已获 {hours} 学时，年度要求 {quota} 学时"
        )
    if measure == "campaigns":
        done, reached = facts.campaigns.get(mid, (0, 0))
        if not reached:
            return IndicatorResult(
                indicator, Decimal(weight), "本年度没有面向本人的专题教育，按满分计"
            )
        return IndicatorResult(
            indicator, _share(weight, done, reached), f"完成专题教育 {done} 项，共 {reached} 项"
        )
    if measure == "offline":
        count = facts.offline.get(mid, 0)
        text = f"线下学习和培训出勤 {count} 次，满分需 {indicator.full_count} 次"
        return IndicatorResult(indicator, _share(weight, count, indicator.full_count), text)
    if measure == "board":
        threads, replies = facts.threads.get(mid, 0), facts.replies.get(mid, 0)
        text = (
            f"提问、建议和情况反映 {threads} 条，回复 {replies} 条，"
            f"满分需 {indicator.full_count} 条"
        )
        count = threads + replies
        return IndicatorResult(indicator, _share(weight, count, indicator.full_count), text)
    score = facts.scores.get((mid, indicator.id))
    if score is None:
        return IndicatorResult(
            indicator,
            None,
            f"待{'流出地' if indicator.scorer_side == 'home' else '流入地'}党组织评分",
        )
    return IndicatorResult(indicator, Decimal(score.points), score.comment, score)


def _result(scheme: TargetScheme, member: User, facts: _Facts) -> TargetResult:
    lines = [_line(indicator, member, facts) for indicator in scheme.indicators]
    total = sum((line.points or Decimal(0) for line in lines), Decimal(0))
    weights = scheme.total_weight
    score = _round(total * 100 / weights) if weights else Decimal(0)
    complete = all(line.points is not None for line in lines)
    return TargetResult(
        member, scheme, lines, score, grade_for(score), complete, facts.reports.get(member.id)
    )


def results(scheme: TargetScheme, members: list[User]) -> dict[int, TargetResult]:
    """Each member's result under the scheme, in a fixed number of statements."""
    facts = _facts(scheme, [m.id for m in members])
    return {m.id: _result(scheme, m, facts) for m in members}


def schemes_for(member: User, year: int) -> list[TargetScheme]:
    """The published schemes of the year that reach the member (one statement): the host
    side's first, then the lowest organisation's."""
    sides = [
        and_(TargetScheme.side == side, literal(org.path).startswith(Organisation.path))
        for side, org in (("home", member.home_org), ("host", member.host_org))
        if org is not None
    ]
    if not sides or member.is_admin:
        return []
    found = db.session.scalars(
        select(TargetScheme)
        .join(Organisation, Organisation.id == TargetScheme.org_id)
        .where(TargetScheme.year == year, TargetScheme.status == "published", or_(*sides))
        .options(selectinload(TargetScheme.indicators), selectinload(TargetScheme.org))
    ).all()
    return sorted(found, key=_preference)


def _preference(scheme: TargetScheme) -> tuple[bool, int, int]:
    """The order ``schemes_for`` gives: the host side's first, then the lowest organisation's."""
    return (scheme.side != "host", -len(scheme.org.path), scheme.id)


def current_schemes(member: User, today: date) -> list[TargetScheme]:
    """The schemes a member's 目标管理 page offers: last year's whose appraisal period runs
    now (a year-end appraisal held in January) first, then this year's."""
    last = [s for s in schemes_for(member, today.year - 1) if s.in_period(today)]
    return last + schemes_for(member, today.year)


def result_for(member: User, year: int) -> TargetResult | None:
    """The member's target result of a year, for the appraisal and commendation to show.

    Under the first of ``schemes_for``: for a floating member the host committee's scheme,
    where the official guidance holds their appraisal; otherwise the home side's. None when no
    published scheme reaches them. A suggestion, never a final grade.
    """
    schemes = schemes_for(member, year)
    if not schemes:
        return None
    return results(schemes[0], [member])[member.id]


def results_for(members: list[User], year: int) -> dict[int, TargetResult | None]:
    """``result_for`` of many members at once (an appraisal round's participants): the year's
    published schemes and the members' organisations read once, then each scheme's members
    together, so the cost grows with the schemes involved, not with the members."""
    published = db.session.scalars(
        select(TargetScheme)
        .where(TargetScheme.year == year, TargetScheme.status == "published")
        .options(selectinload(TargetScheme.indicators), selectinload(TargetScheme.org))
    ).all()
    org_ids = {i for m in members for i in (m.home_org_id, m.host_org_id) if i is not None}
    paths = (
        dict(
            db.session.execute(
                select(Organisation.id, Organisation.path).where(Organisation.id.in_(org_ids))
            ).all()
        )
        if published and org_ids
        else {}
    )
    chosen: dict[int, TargetScheme] = {}
    for member in members:
        placed = {"home": paths.get(member.home_org_id), "host": paths.get(member.host_org_id)}
        reaching = [
            scheme
            for scheme in published
            if placed[scheme.side] is not None and placed[scheme.side].startswith(scheme.org.path)
        ]
        if reaching and not member.is_admin:
            chosen[member.id] = min(reaching, key=_preference)
    found: dict[int, TargetResult | None] = dict.fromkeys((m.id for m in members), None)
    for scheme in {id(s): s for s in chosen.values()}.values():
        found.update(results(scheme, [m for m in members if chosen.get(m.id) is scheme]))
    return found


# ---- one member's sheet --------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """What stands behind the automatic indicators, for the sheet's links."""

    campaigns: list[tuple[Campaign, bool]]
    offline: list[tuple[ArchiveEntry, int | None]]  # the entry, and its class if any
    threads: list[Thread]
    replied: list[Thread]


@dataclass(frozen=True)
class Sheet:
    result: TargetResult
    evidence: Evidence
    editable: bool  # the member may write the self-report today


def _class_of(entries: list[ArchiveEntry]) -> dict[int, int]:
    sessions = {
        int(e.dedupe_key.removeprefix("class-session:")): e.id
        for e in entries
        if (e.dedupe_key or "").startswith("class-session:")
    }
    if not sessions:
        return {}
    rows = db.session.execute(
        select(ClassSession.id, ClassSession.class_id).where(ClassSession.id.in_(sessions))
    ).all()
    return {sessions[sid]: cid for sid, cid in rows}


def evidence(scheme: TargetScheme, member: User) -> Evidence:
    """The campaigns, offline study and board items behind the member's automatic points."""
    measures = {i.measure for i in scheme.indicators}
    start, end = year_bounds(scheme.year)
    campaigns: list[tuple[Campaign, bool]] = []
    if "campaigns" in measures:
        found = year_campaigns(scheme.year)
        if found:
            flags = _campaign_flags(found, [member.id]).get(member.id, [])
            campaigns = [(c, finished) for c, reached, finished in flags if reached]
    offline: list[tuple[ArchiveEntry, int | None]] = []
    if "offline" in measures:
        entries = list(
            db.session.scalars(
                select(ArchiveEntry)
                .where(
                    ArchiveEntry.member_id == member.id,
                    ArchiveEntry.kind == "offline",
                    ArchiveEntry.completed_at >= start,
                    ArchiveEntry.completed_at < end,
                    _uncorrected(),
                )
                .order_by(ArchiveEntry.completed_at)
            )
        )
        classes = _class_of(entries)
        offline = [(e, classes.get(e.id)) for e in entries]
    threads: list[Thread] = []
    replied: list[Thread] = []
    if "board" in measures:
        threads = list(
            db.session.scalars(
                select(Thread)
                .where(Thread.author_id == member.id, _thread_filter(scheme.year))
                .order_by(Thread.created_at)
            )
        )
        replied = list(
            db.session.scalars(
                select(Thread)
                .join(Post, Post.thread_id == Thread.id)
                .where(Post.author_id == member.id, _reply_filter(scheme.year))
                .distinct()
                .order_by(Thread.id)
            )
        )
    return Evidence(campaigns, offline, threads, replied)


def sheet(member: User, scheme: TargetScheme, today: date) -> Sheet:
    """The member's target sheet under a scheme: each indicator with its evidence and score so
    far, the subtotals, the result and the self-report."""
    result = results(scheme, [member])[member.id]
    return Sheet(result, evidence(scheme, member), scheme.in_period(today))


def score_history(scheme: TargetScheme, member: User) -> dict[int, list[TargetScore]]:
    """Every score given to the member under the scheme, newest first, per indicator."""
    history: dict[int, list[TargetScore]] = defaultdict(list)
    for score in db.session.scalars(
        select(TargetScore)
        .join(TargetIndicator, TargetIndicator.id == TargetScore.indicator_id)
        .where(TargetIndicator.scheme_id == scheme.id, TargetScore.member_id == member.id)
        .options(selectinload(TargetScore.scored_by))
        .order_by(TargetScore.id.desc())
    ):
        history[score.indicator_id].append(score)
    return history


# ---- lists ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberPage:
    rows: list[TargetResult]
    total: int
    page: int
    pages: int


def _visible(viewer: User, scheme: TargetScheme):
    """A WHERE clause on User: the scheme's members that the viewer reads."""
    reached = covers(scheme.org, scheme.side)
    if reads(viewer, scheme.org):
        return reached
    reach = subtrees_in(read_roots(viewer))
    return and_(reached, or_(User.home_org_id.in_(reach), User.host_org_id.in_(reach)))


def _scored(scheme: TargetScheme):
    manual = [i.id for i in scheme.indicators if i.is_manual]
    if not manual:
        return None
    return (
        select(TargetScore.member_id)
        .where(TargetScore.indicator_id.in_(manual))
        .group_by(TargetScore.member_id)
        .having(func.count(func.distinct(TargetScore.indicator_id)) >= len(manual))
    )


def member_page(
    viewer: User, scheme: TargetScheme, state: str | None = None, page: int = 1
) -> MemberPage:
    """One page of the scheme's members the viewer reads, by name (pinyin), with their results:
    the same number of statements for a page of one member or of fifty."""
    who = _visible(viewer, scheme)
    scored = _scored(scheme)
    # Scored: every manual indicator has a score (a scheme without any: everyone is).
    if state == "scored" and scored is not None:
        who = and_(who, User.id.in_(scored))
    elif state == "unscored":
        who = and_(who, literal(False) if scored is None else User.id.not_in(scored))
    total = db.session.scalar(select(func.count(User.id)).where(who)) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    members = list(
        db.session.scalars(
            select(User)
            .where(who)
            .options(selectinload(User.home_org), selectinload(User.host_org))
            .order_by(User.name_key, User.id)
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
    )
    found = results(scheme, members)
    return MemberPage([found[m.id] for m in members], total, page, pages)


def schemes_seen_by(viewer: User) -> list[TargetScheme]:
    """Schemes of the organisations the viewer reads (every year, newest first)."""
    query = (
        select(TargetScheme)
        .join(Organisation, Organisation.id == TargetScheme.org_id)
        .options(selectinload(TargetScheme.org), selectinload(TargetScheme.indicators))
        .order_by(
            TargetScheme.year.desc(),
            Organisation.path,
            TargetScheme.side,
            TargetScheme.version.desc(),
        )
    )
    if not viewer.is_admin:
        roots = read_roots(viewer)
        if not roots:
            return []
        query = query.where(
            or_(*[Organisation.path.startswith(r.path, autoescape=True) for r in roots])
        )
    return list(db.session.scalars(query))


def schemes_reaching(viewer: User, year: int) -> list[TargetScheme]:
    """Published schemes of other organisations that reach members the viewer reads (the home
    side's view of a host committee's scheme): one count per such scheme of the year."""
    if viewer.is_admin:
        return []
    roots = read_roots(viewer)
    if not roots:
        return []
    own = {s.id for s in schemes_seen_by(viewer)}
    reach = subtrees_in(roots)
    found = []
    for scheme in db.session.scalars(
        select(TargetScheme)
        .where(TargetScheme.year == year, TargetScheme.status == "published")
        .options(selectinload(TargetScheme.org))
        .order_by(TargetScheme.id)
    ):
        if scheme.id in own:
            continue
        near = or_(User.home_org_id.in_(reach), User.host_org_id.in_(reach))
        if db.session.scalar(
            select(func.count(User.id)).where(covers(scheme.org, scheme.side), near)
        ):
            found.append(scheme)
    return found


def pending_scores(viewer: User, year: int) -> int:
    """Members of the year's published schemes the viewer manages who still wait for a score
    of an indicator the scheme's own side gives (the workbench count): a statement per scheme.
    Indicators the scheme leaves to the other side are counted on neither workbench."""
    pending = 0
    for scheme in schemes_seen_by(viewer):
        if scheme.year != year or scheme.status != "published" or not manages(viewer, scheme.org):
            continue
        manual = [i.id for i in scheme.indicators if i.is_manual and i.scorer_side == scheme.side]
        if not manual:
            continue
        done = (
            select(TargetScore.member_id)
            .where(TargetScore.indicator_id.in_(manual))
            .group_by(TargetScore.member_id)
            .having(func.count(func.distinct(TargetScore.indicator_id)) >= len(manual))
        )
        waiting = select(func.count(User.id)).where(
            covers(scheme.org, scheme.side), User.id.not_in(done)
        )
        pending += db.session.scalar(waiting) or 0
    return pending


def reaches_any(viewer: User, scheme: TargetScheme) -> bool:
    """The scheme reaches at least one member the viewer reads."""
    return bool(db.session.scalar(select(func.count(User.id)).where(_visible(viewer, scheme))))
