"""Who may do what in a commendation round: built on the organisation tree's rule.

- The round's committee: staff who read the round's organisation see all of it (nominations,
  objections with their authors); those who manage it open, review last, start the 公示, resolve
  objections and publish.
- Staff further down: secretaries and organisers of an organisation inside the round nominate
  members they manage, review at their level and see the nominations of their subtree.
- Members of the subtree (home or host side, floating members included): nominate and co-sign
  in their own branch, read the 公示 and object during it.
Anyone else is answered 404: a round is not theirs to know of.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from school.orgs.permissions import managed_orgs, manages, reads

if TYPE_CHECKING:
    from school.auth.models import User
    from school.honours.models import HonourRound, Nomination, Objection
    from school.orgs.models import Organisation


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def member_orgs(member: User) -> list[Organisation]:
    """The member's organisations: home, and host for a floating member."""
    return [org for org in (member.home_org, member.host_org) if org is not None]


def in_round(member: User, round_: HonourRound) -> bool:
    """A member of the round's subtree on either side (admins are never members)."""
    if not member.active or member.is_admin:
        return False
    return any(round_.org.contains(org) for org in member_orgs(member))


def is_committee(user: User, round_: HonourRound) -> bool:
    """Staff who read the round's committee: the whole round, objections included."""
    return _signed_in(user) and reads(user, round_.org)


def runs_round(user: User, round_: HonourRound) -> bool:
    """Secretaries and organisers of the committee (or above), and admins."""
    return _signed_in(user) and manages(user, round_.org)


def staff_orgs_in(user: User, round_: HonourRound) -> list[Organisation]:
    """The organisations inside the round that the user manages (secretary or organiser)."""
    return [org for org in managed_orgs(user) if round_.org.contains(org)]


def can_open_round(user: User, org: Organisation) -> bool:
    """Secretaries and organisers of the organisation or above, and admins."""
    return _signed_in(user) and manages(user, org)


def can_see_round_as_staff(user: User, round_: HonourRound) -> bool:
    """The committee's staff, and staff managing an organisation inside the round."""
    return is_committee(user, round_) or bool(staff_orgs_in(user, round_))


def nominating_org(user: User, round_: HonourRound, member: User) -> Organisation | None:
    """The organisation a staff member nominates ``member`` for: the round's committee for its
    own staff, else the highest organisation inside the round that the user manages and the
    member belongs to. None: the member is out of the user's scope."""
    if not _signed_in(user) or not in_round(member, round_):
        return None
    if runs_round(user, round_):
        return round_.org
    for org in sorted(staff_orgs_in(user, round_), key=lambda o: o.path):
        if any(org.contains(place) for place in member_orgs(member)):
            return org
    return None


def shared_branch(proposer: User, member: User, round_: HonourRound) -> Organisation | None:
    """The organisation inside the round that two members share (home or host), if any."""
    if proposer.id == member.id or not in_round(proposer, round_) or not in_round(member, round_):
        return None
    theirs = {org.id for org in member_orgs(member)}
    for org in member_orgs(proposer):
        if org.id in theirs and round_.org.contains(org):
            return org
    return None


def belongs_to(member: User, org_id: int) -> bool:
    """The member's home or host organisation is this one."""
    return org_id in (member.home_org_id, member.host_org_id)


def can_cosign(user: User, nomination: Nomination) -> bool:
    """Another member of the nominating branch: not the proposer, not the nominee."""
    return (
        _signed_in(user)
        and nomination.kind == "peer"
        and nomination.state == "gathering"
        and user.id not in (nomination.nominator_id, nomination.member_id)
        and user.active
        and belongs_to(user, nomination.origin_org_id)
    )


def can_view_nomination(user: User, nomination: Nomination) -> bool:
    """The committee, staff above the nominating organisation, and the nominator."""
    if not _signed_in(user):
        return False
    if user.id == nomination.nominator_id or is_committee(user, nomination.round):
        return True
    return any(org.contains(nomination.origin_org) for org in staff_orgs_in(user, nomination.round))


def can_review(user: User, nomination: Nomination) -> bool:
    """Managers of the level whose turn it is, while the round still takes reviews."""
    return (
        _signed_in(user)
        and nomination.state == "review"
        and nomination.round.state == "nominating"
        and nomination.level_org is not None
        and manages(user, nomination.level_org)
    )


def can_revise(user: User, nomination: Nomination) -> bool:
    """The nominator, when their nomination was returned and the round still takes them."""
    return (
        _signed_in(user)
        and user.id == nomination.nominator_id
        and nomination.state == "returned"
        and nomination.round.state == "nominating"
    )


def can_read_notice(user: User, round_: HonourRound) -> bool:
    """The 公示 (and the list it became): members of the subtree and staff of the round."""
    if not _signed_in(user) or round_.state == "nominating":
        return False
    return in_round(user, round_) or can_see_round_as_staff(user, round_)


def can_object(user: User, round_: HonourRound) -> bool:
    """Members of the subtree, while the round is in its 公示 (the dates are the service's)."""
    return _signed_in(user) and round_.state == "notice" and in_round(user, round_)


def can_resolve(user: User, objection: Objection, round_: HonourRound) -> bool:
    """The committee's secretaries and organisers, while the objection is open."""
    return objection.state == "open" and runs_round(user, round_)
