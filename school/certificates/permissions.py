"""Who may see and revoke which certificate: built on the organisation tree's rule.

A certificate is the member's own; staff who read the member (home or host side) or the issuing
organisation see it too. Revoking is for admins and the managers of the issuing organisation (a
course published by the whole school: admins). Anyone may verify a code: that page shows only
what the paper certificate already says.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from school.orgs.permissions import manages, reads, reads_member

if TYPE_CHECKING:
    from school.auth.models import User
    from school.certificates.models import Certificate
    from school.orgs.models import Organisation


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def can_view_certificate(user: User, certificate: Certificate) -> bool:
    """The member, staff who read the member, and staff who read the issuing organisation."""
    if not _signed_in(user):
        return False
    if user.id == certificate.member_id or reads_member(user, certificate.member):
        return True
    return certificate.issuer_org is not None and reads(user, certificate.issuer_org)


def can_revoke_certificate(user: User, certificate: Certificate) -> bool:
    """Admins, and secretaries or organisers of the issuing organisation (or above)."""
    if not _signed_in(user) or certificate.is_revoked:
        return False
    if certificate.issuer_org is None:
        return user.is_admin
    return manages(user, certificate.issuer_org)


def can_list_certificates(user: User, org: Organisation | None) -> bool:
    """The list of certificates a course, campaign or class gave: those who read the
    organisation that runs it (a whole-school course: admins)."""
    if not _signed_in(user):
        return False
    return user.is_admin if org is None else reads(user, org)
