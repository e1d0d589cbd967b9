"""Enrolling members into a class from the staff's member list (管理 › 党员).

The list belongs to the registry, a lower feature: this module registers a part that offers the
open classes the viewer runs, and reads back what the list's form sent. Who may be enrolled,
the waiting list and the refusals stay those of ``services.bulk_enrol``.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import url_for
from werkzeug.datastructures import MultiDict

from school.auth.models import User
from school.classes import services
from school.classes.models import TrainingClass
from school.classes.permissions import can_manage_class
from school.members import services as registry
from school.members.services import MemberFilter, RegistryError

# What the list's form enrols: the ticked members, the whole page shown, or everyone the list's
# filters match (all its pages).
TICKED, PAGE, ALL = "ticked", "page", "all"
# The filters the list's form repeats, to re-run the list's query and to go back to the list.
FILTER_FIELDS = ("q", "floating", "relation", "org")


def enrollable_classes(viewer: User) -> list[TrainingClass]:
    """Classes still taking names that the viewer runs, newest first."""
    return [
        c for c in services.classes_for_staff(viewer) if c.is_open and can_manage_class(viewer, c)
    ]


def member_list_part(viewer: User, filters: MemberFilter) -> dict[str, object]:
    """The enrol form under the member list: offered only to staff who run an open class (the
    list's filters are not needed here: the form repeats them from the page)."""
    classes = enrollable_classes(viewer)
    if not classes:
        return {}
    return {"enrol_classes": classes, "enrol_action": url_for("classes.enrol_members")}


def chosen_members(viewer: User, form: MultiDict[str, str]) -> list[User]:
    """The members the list's form names: those ticked, the page shown, or all that its filters
    match in the viewer's list. Raises ``BulkRefused`` when there are none, when an id names
    someone the viewer's list does not show, or when the filters cannot be read."""
    if form.get("scope") == ALL:
        try:
            filters = registry.read_filter(viewer, form)
        except RegistryError as exc:
            raise services.BulkRefused([str(exc)]) from None
        # One more than the most a batch takes, so bulk_enrol says why it refuses.
        members = registry.matching_members(viewer, filters, services.BULK_MAX + 1)
        if not members:
            raise services.BulkRefused(["筛选结果中没有党员，没有报名任何人。"])
        return members
    scope = form.get("scope", TICKED)
    members = services.members_by_ids(form.getlist("page_member" if scope == PAGE else "member"))
    if not members:
        raise services.BulkRefused(["请勾选要报名的党员，或选择“全选本页”“筛选结果全部”。"])
    # Ids the list never showed this viewer: bulk_enrol refuses them without naming whose they are.
    return members


def list_args(form: Mapping[str, str]) -> dict[str, str]:
    """The member list's query string as the form repeated it, to send the user back there."""
    args = {key: form.get(key, "") for key in FILTER_FIELDS}
    args["page"] = form.get("page", "") if form.get("page", "").isdigit() else ""
    return {key: value for key, value in args.items() if value and value != "both"}
