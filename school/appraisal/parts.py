"""The appraisal's parts on other features' pages (registered in ``create_app``): the member's
grades on their study archive (a record, not 学时: no total changes), the grade beside a
nomination, the staff workbench's count, and an open round on the member's home page."""

from __future__ import annotations

from datetime import date

from flask import url_for

from school.appraisal import services
from school.auth.models import User
from school.db import utcnow
from school.honours.evidence import Evidence
from school.honours.models import Nomination
from school.orgs.permissions import reads_member
from school.page_parts import Tally


def _may_see(viewer: User, member: User) -> bool:
    return viewer.id == member.id or reads_member(viewer, member)


def archive_part(viewer: User, member: User) -> dict[str, object]:
    """The member's appraisal grades in force, one per round, on the archive and its print."""
    if not _may_see(viewer, member):
        return {}
    return {"appraisals": services.grades_of(member)}


def evidence_part(viewer: User, nomination: Nomination) -> dict[str, Evidence]:
    """The nominee's appraisal grade of the round's year, beside the nomination."""
    member, year = nomination.member, nomination.round.year
    if not reads_member(viewer, member):
        return {}
    grade = services.grade_for_year(member, year)
    if grade is None:
        lines: tuple[str, ...] = (f"{year} 年度尚无民主评议等次。",)
    else:
        lines = (
            f"{year} 年度民主评议：{grade.grade}",
            f"{grade.round.org.name}“{grade.round.title}”评定",
        )
    return {"appraisal": Evidence("民主评议", lines)}


def workbench_part(user: User, _today: date) -> dict[str, Tally]:
    """Closed rounds the user grades in which someone still has no grade."""
    count = services.ungraded_rounds(user, utcnow())
    if not count:
        return {}
    return {"appraisals": Tally("待评定的民主评议", count, url_for("appraisal.index"))}


def home_part(user: User, _today: date) -> dict[str, object]:
    """Open rounds the member takes part in and has not cast a peer ballot in yet."""
    return {
        "appraisal_todos": [
            r.appraisal
            for r in services.for_member(user, open_only=True, now=utcnow())
            if not r.voted_at
        ]
    }
