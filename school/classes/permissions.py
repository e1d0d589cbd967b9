"""Who may see, run and join which training class: built on the organisation tree's rule.

The organising organisation's managers (and those above it) and admins run a class; any staff
grant that reads the organisation sees its pages. Members see a class they are enrolled in or
on the waiting list of, and a class open for enrolment whose target group reaches them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from school.orgs.permissions import manages, manages_any, manages_member, reads

if TYPE_CHECKING:
    from school.auth.models import User
    from school.classes.models import TrainingClass


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def can_create_classes(user: User) -> bool:
    """Admins, and secretaries or organisers of any organisation."""
    return _signed_in(user) and manages_any(user)


def can_manage_class(user: User, training_class: TrainingClass) -> bool:
    """Admins and the managers of the organising organisation (or above): sessions, check-in,
    enrolling members, attendance."""
    return _signed_in(user) and manages(user, training_class.org)


def can_read_class(user: User, training_class: TrainingClass) -> bool:
    """The class's staff page (lists, sign-in sheet, export): whoever reads its organisation."""
    return _signed_in(user) and reads(user, training_class.org)


def is_targeted(user: User, training_class: TrainingClass) -> bool:
    """The member belongs (home or host side) to the class's target subtree, or it has none."""
    target = training_class.target_org
    if target is None:
        return True
    return any(own is not None and target.contains(own) for own in (user.home_org, user.host_org))


def can_self_enrol(user: User, training_class: TrainingClass) -> bool:
    """Open enrolment, still taking names, and the member is in the target group."""
    return (
        _signed_in(user)
        and training_class.enrolment == "open"
        and training_class.is_open
        and is_targeted(user, training_class)
    )


def can_see_class(user: User, training_class: TrainingClass, enrolled: bool) -> bool:
    """The member's page of a class: enrolled (or waiting), able to enrol, or its staff."""
    return _signed_in(user) and (
        enrolled or can_self_enrol(user, training_class) or can_read_class(user, training_class)
    )


def can_enrol_member(user: User, training_class: TrainingClass, member: User) -> bool:
    """Staff enrol a member into a class they run, and only a member in their own scope."""
    return can_manage_class(user, training_class) and manages_member(user, member)
