"""A project's interest list as a spreadsheet for its organisation's follow-up meetings.

A title row (the project, its organisation, the date), the header frozen below it, one row per
interest and per referral; text that looks like a formula stays text (school/spreadsheets.py).
"""

from __future__ import annotations

from openpyxl.styles import Font

from school.auth.models import User
from school.clock import local_today
from school.formatting import local_date, local_datetime
from school.projects.models import Project, ProjectInterest, ProjectReferral
from school.spreadsheets import new_workbook, put_text, to_bytes, write_header

COLUMNS = [
    ("类别", 8),
    ("党员", 10),
    ("党员所在组织", 24),
    ("党员电话", 14),
    ("帮助方式/推荐联系人", 20),
    ("单位", 20),
    ("联系人电话", 14),
    ("说明", 40),
    ("登记时间", 18),
    ("跟进状态", 10),
    ("最近跟进", 12),
]


def _orgs(member: User) -> str:
    home, host = member.home_org, member.host_org
    names = [home.name] if home else []
    if host is not None and host is not home:
        names.append(f"流入：{host.name}")
    return "；".join(names)


def interest_xlsx(
    project: Project, interests: list[ProjectInterest], referrals: list[ProjectReferral]
) -> bytes:
    """ProjectInterest and referrals of one project, with their latest follow-up state."""
    workbook, sheet = new_workbook("意向与推荐")
    write_header(sheet, COLUMNS)
    # The title row goes above the header, which write_header put in row 1 and froze.
    sheet.insert_rows(1)
    title = f"{project.title}（{project.org.name}）意向登记与推荐，导出于 {local_today():%Y-%m-%d}"
    put_text(sheet, 1, 1, title)
    sheet.cell(1, 1).font = Font(bold=True, size=14)
    sheet.freeze_panes = "A3"
    row = 3
    for interest in interests:
        member = interest.member
        values = [
            "意向（已撤回）" if interest.is_withdrawn else "意向",
            member.name,
            _orgs(member),
            member.phone or "",
            interest.help_label,
            "",
            "",
            interest.note,
            local_datetime(interest.created_at),
            interest.state_label,
            local_date(interest.followed_up_at) if interest.followed_up_at else "",
        ]
        for column, value in enumerate(values, start=1):
            put_text(sheet, row, column, value)
        row += 1
    for referral in referrals:
        values = [
            "推荐",
            referral.member.name,
            _orgs(referral.member),
            referral.member.phone or "",
            referral.name,
            referral.company,
            referral.phone,
            referral.note,
            local_datetime(referral.created_at),
            referral.state_label,
            local_date(referral.followed_up_at) if referral.followed_up_at else "",
        ]
        for column, value in enumerate(values, start=1):
            put_text(sheet, row, column, value)
        row += 1
    return to_bytes(workbook)
