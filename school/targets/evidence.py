"""The target result beside a nomination for commendation (评先评优): the issue names it first
among a nomination's evidence. Registered with ``honours.evidence.nomination_evidence`` in
``create_app``."""

from __future__ import annotations

from flask import url_for

from school.auth.models import User
from school.honours.evidence import Evidence
from school.honours.models import Nomination
from school.orgs.permissions import reads_member
from school.targets import services
from school.targets.permissions import can_read_sheet


def nomination_part(viewer: User, nomination: Nomination) -> dict[str, Evidence]:
    """The nominee's target result of the round's year, to staff who may read the sheet."""
    member, year = nomination.member, nomination.round.year
    if not reads_member(viewer, member):
        return {}
    result = services.result_for(member, year)
    if result is None:
        return {"targets": Evidence("目标管理", (f"{year} 年度没有面向该党员的目标考核方案。",))}
    if not can_read_sheet(viewer, result.scheme, member):
        return {}
    lines = (
        f"{year} 年度目标考核：{result.score} 分，建议等次 {result.grade}"
        + ("" if result.complete else "（尚有指标待评分）"),
        "，".join(f"{d.label} {d.points}/{d.weight}" for d in result.dimensions),
    )
    endpoint, args = result.link
    return {"targets": Evidence("目标管理", lines, url_for(endpoint, **args), "查看考核表")}
