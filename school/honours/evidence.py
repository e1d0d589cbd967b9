"""Evidence beside a nomination: a page-part registry that other features fill.

Each part is a function of the viewer and the nomination returning ``{name: Evidence}``; the
nomination page shows every block it is given, in registration order, and knows none of the
features behind them. The school's own part is the member's study archive for the round's year;
target results and appraisal grades can register theirs from ``create_app`` the same way.
A part shows only what the viewer may read (an empty dict otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from school.archive import services as archive
from school.archive.permissions import can_view_archive
from school.auth.models import User
from school.certificates import services as certificates
from school.formatting import format_hours
from school.honours.models import Nomination
from school.page_parts import PageParts

nomination_evidence = PageParts()


@dataclass(frozen=True)
class Evidence:
    """One block of evidence: a heading, a few lines, and where the full record is."""

    title: str
    lines: tuple[str, ...]
    url: str | None = None
    link_text: str = "查看详情"


def archive_part(viewer: User, nomination: Nomination) -> dict[str, Evidence]:
    """The year's 学时 against the quota, courses completed and certificates, with the archive."""
    member, year = nomination.member, nomination.round.year
    if not can_view_archive(viewer, member):
        return {}
    entries = archive.entries(member, year)
    summary = archive.summary_of(member, year, entries)
    courses = sorted({e.title for e in entries if e.kind == "course"})
    certs = [
        c
        for c in certificates.of_member(member)
        if c.completed_on.year == year and not c.is_revoked
    ]
    lines = [
        f"{year} 年学时：{format_hours(summary.hours)} / {summary.quota}"
        + ("（已达标）" if summary.met else "（未达标）"),
        f"完成课程 {len(courses)} 门" + (f"：{'、'.join(courses[:5])}" if courses else ""),
        f"获得证书 {len(certs)} 张"
        + (f"：{'、'.join(c.title for c in certs[:5])}" if certs else ""),
    ]
    url = url_for("archive.member", member_id=member.id, year=year)
    return {"archive": Evidence("学习档案", tuple(lines), url, "查看学习档案")}
