"""Commendation's parts on other features' pages (registered in ``create_app``): the member's
honours on their study archive and electronic card, and the staff workbench's counts. An honour
is a record, not 学时: it never enters the ledger's totals."""

from __future__ import annotations

from datetime import date

from flask import url_for

from school.auth.models import User
from school.honours import services
from school.orgs.permissions import reads_member
from school.page_parts import Tally


def _may_see(viewer: User, member: User) -> bool:
    return viewer.id == member.id or reads_member(viewer, member)


def archive_part(viewer: User, member: User) -> dict[str, object]:
    """The member's honours (revoked ones marked) on their archive page and its print view."""
    if not _may_see(viewer, member):
        return {}
    return {"honours": services.honours_of(member)}


def card_part(viewer: User, member: User) -> dict[str, object]:
    """The honours in force on the member's electronic card."""
    if not _may_see(viewer, member):
        return {}
    return {
        "card_honours": [line.honour for line in services.honours_of(member) if not line.is_revoked]
    }


def workbench_part(user: User, _today: date) -> dict[str, Tally]:
    """Nominations waiting for the user's review, and open objections to handle."""
    waiting, objections = services.workbench_counts(user)
    url = url_for("honours.index")
    return {
        "honour_reviews": Tally("待审核的评先评优推荐", waiting, url),
        "honour_objections": Tally("待处理的公示异议", objections, url),
    }
