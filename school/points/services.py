"""Points (积分): awarding under the rule in force, caps, rule versions and staff corrections.

An award (``award``) runs inside the transaction of the action that earned it, called by the
subscribers in ``school/points/subscribers.py``, never by a feature directly:

1. the rule version in force on the local day is read once, and that one row decides the points
   and the caps, even if an admin adds a version meanwhile (versions are never edited);
2. the member's running rows for the day and the year of that action are made if missing and
   locked, so two awards racing a daily cap take turns;
3. the points are cut to what the caps leave, and the entry is inserted unless its key
   (member, action, source) is there: a second delivery of the same event awards nothing;
4. the running rows are raised by the same amount. Pages read them, never the ledger's sum.

Services add and flush; the request (or the command) commits once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from school.auth.models import User
from school.clock import local_today
from school.db import db, utcnow
from school.orgs import audit
from school.points.models import (
    ACTIONS,
    CORRECTION,
    MAX_POINTS,
    PointDay,
    PointEntry,
    PointRule,
    PointSetting,
    PointYear,
)
from school.points.permissions import can_correct, can_edit_rules

REASON_MAX = 200
SOURCE_MAX = 64


class PointsError(Exception):
    """A refused change to rules or the ledger; str(exc) says why, for the user."""


# Awarding ---------------------------------------------------------------------------------------


def rule_on(action: str, day: date) -> PointRule | None:
    """The version of an action's rule in force on a day (None: the action earns nothing yet)."""
    return db.session.scalar(
        select(PointRule)
        .where(PointRule.action == action, PointRule.effective_from <= day)
        .order_by(PointRule.effective_from.desc())
        .limit(1)
    )


# An award's statements, built once with bound parameters and run on the session's connection:
# building them for every award, and the ORM's handling of each, cost more than running them.
_RULE_IN_FORCE = (
    select(PointRule.id, PointRule.points, PointRule.daily_cap, PointRule.yearly_cap)
    .where(PointRule.action == bindparam("act"), PointRule.effective_from <= bindparam("on_day"))
    .order_by(PointRule.effective_from.desc())
    .limit(1)
)
_TALLIES = (
    select(PointDay.points, PointYear.points)
    .join(
        PointYear,
        and_(
            PointYear.member_id == PointDay.member_id,
            PointYear.action == PointDay.action,
            PointYear.year == bindparam("in_year"),
        ),
    )
    .where(
        PointDay.member_id == bindparam("member"),
        PointDay.day == bindparam("on_day"),
        PointDay.action == bindparam("act"),
    )
    .with_for_update()
)
_RAISE = {
    model: update(model)
    .where(
        model.member_id == bindparam("member"),
        model.action == bindparam("act"),
        getattr(model, period) == bindparam(key),
    )
    .values(points=model.points + bindparam("amount"))
    for model, period, key in ((PointDay, "day", "on_day"), (PointYear, "year", "in_year"))
}
_APPEND = {
    name: dialect.insert(PointEntry).on_conflict_do_nothing().returning(PointEntry.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_MISSING = {
    name: [
        dialect.insert(model)
        .values(
            member_id=bindparam("member"),
            action=bindparam("act"),
            points=0,
            **{period: bindparam(key)},
        )
        .on_conflict_do_nothing()
        for model, period, key in ((PointDay, "day", "on_day"), (PointYear, "year", "in_year"))
    ]
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


def _locked_tallies(member_id: int, day: date, action: str) -> tuple[int, int]:
    """The member's points for the action on the day and in its year, rows locked until commit.

    The rows are added first if missing (one statement each, safe when two add them at once)."""
    keys = {"member": member_id, "act": action, "on_day": day, "in_year": day.year}
    connection = db.session.connection()
    for statement in _MISSING[connection.dialect.name]:
        connection.execute(statement, keys)
    return connection.execute(_TALLIES, keys).one()


def _add_to_tallies(member_id: int, day: date, action: str, points: int) -> None:
    keys = {
        "member": member_id,
        "act": action,
        "on_day": day,
        "in_year": day.year,
        "amount": points,
    }
    connection = db.session.connection()
    for statement in _RAISE.values():
        connection.execute(statement, keys)


def _append(values: dict) -> int | None:
    """Add an entry unless its (member, action, source) is in the ledger already; its id.

    One statement that skips a duplicate (the same event delivered twice, two tabs at once):
    no savepoint, no error to catch, whichever of two racing inserts comes second."""
    connection = db.session.connection()
    return connection.execute(_APPEND[connection.dialect.name], values).scalar_one_or_none()


def award(
    member_id: int, action: str, source: str, reason: str, at: datetime | None = None
) -> int | None:
    """Award what the rule in force gives for an action, once per source, within its caps;
    the new entry's id, or None when nothing was awarded."""
    at = at or utcnow()
    day = local_today(at)
    # Core statements on the session's connection: the ORM's per-statement work is not needed.
    rule = db.session.connection().execute(_RULE_IN_FORCE, {"act": action, "on_day": day}).first()
    if rule is None or rule.points == 0:
        return None
    today_points, year_points = _locked_tallies(member_id, day, action)
    points = rule.points
    if rule.daily_cap is not None:
        points = min(points, rule.daily_cap - today_points)
    if rule.yearly_cap is not None:
        points = min(points, rule.yearly_cap - year_points)
    if points <= 0:
        return None
    entry_id = _append(
        {
            "member_id": member_id,
            "action": action,
            "rule_id": rule.id,
            "points": points,
            "reason": reason[:REASON_MAX],
            "source": source[:SOURCE_MAX],
            "day": day,
            "earned_at": at,
            "recorded_by_id": None,
        }
    )
    if entry_id is not None:
        _add_to_tallies(member_id, day, action, points)
    return entry_id


def take_back(
    member_id: int, action: str, source: str, reason: str, at: datetime | None = None
) -> int | None:
    """Take back what ``source`` earned (an honour revoked): an entry of the opposite amount
    under the same rule version, once; its id, or None when it had earned nothing."""
    connection = db.session.connection()
    earned = connection.execute(
        select(PointEntry.rule_id, PointEntry.points).where(
            PointEntry.member_id == member_id,
            PointEntry.action == action,
            PointEntry.source == source,
        )
    ).first()
    if earned is None:
        return None
    at = at or utcnow()
    day = local_today(at)
    _locked_tallies(member_id, day, action)
    entry_id = _append(
        {
            "member_id": member_id,
            "action": action,
            "rule_id": earned.rule_id,
            "points": -earned.points,
            "reason": reason[:REASON_MAX],
            "source": f"{source}:back"[:SOURCE_MAX],
            "day": day,
            "earned_at": at,
            "recorded_by_id": None,
        }
    )
    if entry_id is not None:
        _add_to_tallies(member_id, day, action, -earned.points)
    return entry_id


# Rules ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleFields:
    points: int
    daily_cap: int | None
    yearly_cap: int | None
    effective_from: date


def _check_rule(fields: RuleFields, today: date) -> None:
    if not 0 <= fields.points <= MAX_POINTS:
        raise PointsError(f"每次积分应在 0 到 {MAX_POINTS} 之间（0 表示不再计分）。")
    if fields.daily_cap is not None and not fields.points <= fields.daily_cap <= MAX_POINTS:
        raise PointsError("每日上限不能小于每次积分。")
    yearly = fields.yearly_cap
    if yearly is not None and not max(fields.points, fields.daily_cap or 1) <= yearly:
        raise PointsError("每年上限不能小于每次积分和每日上限。")
    if yearly is not None and yearly > MAX_POINTS * 100:
        raise PointsError(f"每年上限不能超过 {MAX_POINTS * 100}。")
    if fields.effective_from < today:
        raise PointsError("生效日期不能早于今天：已经得到的积分按当时的规则计算，不能改动。")


def set_rule(actor: User, action: str, fields: RuleFields, today: date | None = None) -> PointRule:
    """Add a version of an action's rule, in force from its date (today or later)."""
    if not can_edit_rules(actor):
        raise PointsError("只有管理员可以修改积分规则。")
    if action not in ACTIONS:
        raise PointsError("没有这项积分规则。")
    _check_rule(fields, today or local_today())
    rule = PointRule(
        action=action,
        points=fields.points,
        daily_cap=fields.daily_cap,
        yearly_cap=fields.yearly_cap,
        effective_from=fields.effective_from,
        created_by_id=actor.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(rule)
            db.session.flush()
    except IntegrityError:
        raise PointsError(
            f"{fields.effective_from.isoformat()} 起已有一个版本，请选择另一个生效日期。"
        ) from None
    caps = "，".join(
        text
        for text in (
            f"每日上限 {fields.daily_cap}" if fields.daily_cap else "",
            f"每年上限 {fields.yearly_cap}" if fields.yearly_cap else "",
        )
        if text
    )
    audit.record(
        actor,
        "points.rule",
        f"积分规则“{ACTIONS[action]}”：每次 {fields.points} 分"
        f"{'，' + caps if caps else ''}，{fields.effective_from.isoformat()} 起生效",
    )
    return rule


@dataclass(frozen=True)
class RuleLine:
    """An action's rule in force on a day and the next version already set, if any."""

    action: str
    current: PointRule | None
    upcoming: PointRule | None

    @property
    def label(self) -> str:
        return ACTIONS[self.action]


def rules_on(day: date) -> list[RuleLine]:
    """Every action with its rule in force on the day and its next version (one statement)."""
    versions = db.session.scalars(select(PointRule).order_by(PointRule.effective_from))
    current: dict[str, PointRule] = {}
    upcoming: dict[str, PointRule] = {}
    for rule in versions:
        if rule.effective_from <= day:
            current[rule.action] = rule
        else:
            upcoming.setdefault(rule.action, rule)
    return [RuleLine(a, current.get(a), upcoming.get(a)) for a in ACTIONS]


def rule_history(action: str) -> list[PointRule]:
    """Every version of an action's rule, the newest date first."""
    return list(
        db.session.scalars(
            select(PointRule)
            .where(PointRule.action == action)
            .order_by(PointRule.effective_from.desc())
        )
    )


# Corrections ------------------------------------------------------------------------------------


def correct(
    actor: User, member: User, points: int, reason: str, key: str, today: date | None = None
) -> PointEntry:
    """A staff correction: a new entry with its reason, audited; the ledger is never edited."""
    if not can_correct(actor, member):
        raise PointsError("您不能更正这位党员的积分。")
    reason = reason.strip()
    if not reason or len(reason) > REASON_MAX:
        raise PointsError(f"请写明更正理由（{REASON_MAX} 字以内）。")
    if points == 0 or abs(points) > MAX_POINTS:
        raise PointsError(f"更正的分数应在 -{MAX_POINTS} 到 {MAX_POINTS} 之间，且不能为 0。")
    key = key.strip()
    if not key or len(key) > SOURCE_MAX - len("correction:"):
        raise PointsError("表单已过期，请刷新页面后重新提交。")
    day = today or local_today()
    _locked_tallies(member.id, day, CORRECTION)
    entry_id = _append(
        {
            "member_id": member.id,
            "action": CORRECTION,
            "rule_id": None,
            "points": points,
            "reason": reason,
            "source": f"correction:{key}",
            "day": day,
            "earned_at": utcnow(),
            "recorded_by_id": actor.id,
        }
    )
    if entry_id is None:
        raise PointsError("这条更正已经记录过了。")
    _add_to_tallies(member.id, day, CORRECTION, points)
    audit.account(actor, "points.correct", member, f"，{points:+d} 分，理由：{reason}")
    return db.session.get(PointEntry, entry_id)


# What a member sees -----------------------------------------------------------------------------


def day_points(member_id: int, day: date) -> dict[str, int]:
    """The member's points on a day, per action (corrections included)."""
    rows = db.session.execute(
        select(PointDay.action, PointDay.points).where(
            PointDay.member_id == member_id, PointDay.day == day
        )
    )
    return {action: points for action, points in rows}


def year_total(member_id: int, year: int) -> int:
    """The member's points in a local year, corrections included (read from the running rows)."""
    return (
        db.session.scalar(
            select(func.sum(PointYear.points)).where(
                PointYear.member_id == member_id, PointYear.year == year
            )
        )
        or 0
    )


def ledger(member_id: int, page: int, per_page: int) -> tuple[list[PointEntry], bool]:
    """A page of the member's entries, the newest first, and whether an older page follows."""
    rows = list(
        db.session.scalars(
            select(PointEntry)
            .where(PointEntry.member_id == member_id)
            .order_by(PointEntry.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page + 1)
        )
    )
    return rows[:per_page], len(rows) > per_page


def shows_name(member_id: int) -> bool:
    """Whether the member chose to show their name in their branch's ranking."""
    return bool(
        db.session.scalar(select(PointSetting.show_name).where(PointSetting.member_id == member_id))
    )


def set_show_name(member: User, show: bool) -> None:
    """Record the member's choice for the ranking (their own setting only)."""
    setting = db.session.get(PointSetting, member.id)
    if setting is None:
        try:
            with db.session.begin_nested():
                db.session.add(PointSetting(member_id=member.id, show_name=show))
            return
        except IntegrityError:  # saved from another tab at the same moment: this choice wins
            setting = db.session.get(PointSetting, member.id)
    setting.show_name = show
    db.session.flush()
