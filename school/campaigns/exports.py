"""A campaign's members as a spreadsheet: every cell formula-safe (school/spreadsheets.py)."""

from __future__ import annotations

from openpyxl import Workbook

from school.campaigns.models import Campaign
from school.campaigns.progress import MemberRow
from school.formatting import format_hours
from school.orgs.models import Organisation
from school.spreadsheets import streamed_cell, to_bytes

HEADER = ["姓名", "流出地党组织", "流入地党组织", "流动党员", "状态", "必修完成", "活动期间学时"]


def members_xlsx(campaign: Campaign, org: Organisation, rows: list[MemberRow]) -> bytes:
    """One row per targeted member over ``org``: where they stand and what they did."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="完成情况")
    required = len(campaign.required_items)
    sheet.append([streamed_cell(sheet, f"{campaign.title} · {org.name}")])
    sheet.append(HEADER)
    for row in rows:
        member = row.member
        cells = [
            member.name,
            member.home_org.name if member.home_org else "",
            member.host_org.name if member.host_org else "",
            "是" if member.is_floating else "否",
            row.state_label,
            f"{row.done}/{required}",
            format_hours(row.hours),
        ]
        sheet.append([streamed_cell(sheet, value) for value in cells])
    return to_bytes(workbook)
