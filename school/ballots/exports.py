"""A recommendation's results as a spreadsheet: counts per candidate and the turnout, nothing
about any voter or any single ballot (formula-safe cells, school/spreadsheets.py)."""

from __future__ import annotations

from school.ballots.models import Recommendation
from school.ballots.services import Audit
from school.formatting import local_datetime
from school.spreadsheets import new_workbook, put_text, to_bytes, write_header


def results_xlsx(recommendation: Recommendation, audit: Audit) -> bytes:
    """The settings, the turnout and, when the rules allow them, the counts per candidate."""
    workbook, sheet = new_workbook("推荐结果")
    write_header(sheet, [("候选人", 16), ("简介", 40), ("推荐票数", 12)])
    row = 2
    for candidate, votes in audit.rows:
        put_text(sheet, row, 1, candidate.name)
        put_text(sheet, row, 2, candidate.introduction)
        sheet.cell(row, 3, votes)
        row += 1
    if audit.results.counts is None:
        put_text(sheet, row, 1, audit.results.reason or "")
        row += 1
    box, seen = recommendation.box, audit.turnout
    row += 1
    for label, value in (
        ("投票名称", recommendation.title),
        ("推荐类别", recommendation.kind_label),
        ("发起党组织", recommendation.org.name),
        ("投票时间", f"{local_datetime(box.opens_at)} 至 {local_datetime(box.closes_at)}"),
        ("每人最多可选", str(recommendation.max_choices)),
        ("应投票人数", str(seen.eligible)),
        ("已投票人数", str(seen.voters)),
        ("投票率", f"{seen.percent}%"),
    ):
        put_text(sheet, row, 1, label)
        put_text(sheet, row, 2, value)
        row += 1
    return to_bytes(workbook)
