"""Issuing, finding and revoking certificates; their verification codes.

Certificates are issued by the subscribers in ``issuing.py`` as a member completes a course,
finishes a campaign or attends enough of a class, once per member and source (a repeated event,
or two at the same moment, issue one). A code is twelve characters of Crockford's base 32: 60
random bits, so a code cannot be guessed from another, and typing errors between look-alike
characters (O and 0, I, L and 1) are forgiven when it is read back.
"""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from school.auth.models import User
from school.certificates.models import Certificate
from school.db import db, utcnow
from school.notifications.services import notify
from school.orgs import audit
from school.orgs.models import Organisation

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12
# Courses published by the whole school (no organisation) are certified in its name.
SCHOOL_NAME = "网上党校"
REASON_MAX = 200
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


class CertificateError(ValueError):
    """A request about a certificate that cannot be done; the message is for the user."""


def new_code() -> str:
    """A fresh random verification code."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str | None) -> str | None:
    """The code as stored, from what someone typed or scanned; None if it cannot be one."""
    cleaned = "".join((text or "").split()).replace("-", "").upper().translate(_LOOK_ALIKES)
    if len(cleaned) != CODE_LENGTH or any(c not in ALPHABET for c in cleaned):
        return None
    return cleaned


def by_code(text: str | None) -> Certificate | None:
    """The certificate with this code (valid or revoked), or None."""
    code = normalise_code(text)
    if code is None:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def valid_certificate(member: User, kind: str, source_id: int) -> Certificate | None:
    """The member's certificate for this course, campaign or class that is not revoked."""
    return db.session.scalar(
        select(Certificate).where(
            Certificate.member_id == member.id,
            Certificate.kind == kind,
            Certificate.source_id == source_id,
            Certificate.revoked_at.is_(None),
        )
    )


def issue(
    member: User,
    *,
    kind: str,
    source_id: int,
    title: str,
    detail: str,
    hours: Decimal,
    completed_on: date,
    issuer: Organisation | None,
) -> Certificate | None:
    """Give the member a certificate for this source unless they hold a valid one already.

    Returns the new certificate, or None when one was there (also when a concurrent request
    issued it a moment ago: the unique index decides, and this one writes nothing).
    """
    if valid_certificate(member, kind, source_id) is not None:
        return None
    for _ in range(3):  # a repeated code is all but impossible; try a new one if it happens
        certificate = Certificate(
            code=new_code(),
            member_id=member.id,
            kind=kind,
            source_id=source_id,
            member_name=member.name,
            title=title,
            detail=detail,
            hours=hours,
            completed_on=completed_on,
            issuer_org_id=issuer.id if issuer is not None else None,
            issuer_name=issuer.name if issuer is not None else SCHOOL_NAME,
            issued_at=utcnow(),
        )
        try:
            with db.session.begin_nested():
                db.session.add(certificate)
        except IntegrityError:
            if valid_certificate(member, kind, source_id) is not None:
                return None
            continue
        # A path, not url_for: certificates are also issued outside a request (the demo, a
        # command).
        notify(
            [member],
            "certificate",
            f"您获得了{certificate.kind_label}：{title}。可以打印，或下载 PDF。",
            f"/certificates/{certificate.id}",
        )
        return certificate
    raise RuntimeError("no unused certificate code after three tries")


def of_member(member: User) -> list[Certificate]:
    """The member's certificates, the newest first, revoked ones included (marked as such)."""
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.member_id == member.id)
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        )
    )


def of_source(kind: str, source_id: int) -> list[Certificate]:
    """Every certificate given for one course, campaign or class, by member name."""
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.kind == kind, Certificate.source_id == source_id)
            .order_by(Certificate.member_name, Certificate.id)
        )
    )


def revoke(certificate: Certificate, actor: User, reason: str) -> None:
    """Mark the certificate revoked, with why and by whom; it verifies as revoked from now."""
    reason = (reason or "").strip()
    if certificate.is_revoked:
        raise CertificateError("这份证书已经撤销。")
    if not reason:
        raise CertificateError("请填写撤销原因。")
    if len(reason) > REASON_MAX:
        raise CertificateError(f"撤销原因最多 {REASON_MAX} 个字。")
    # Lock the row and read it again: two staff revoking at once record one revocation.
    db.session.refresh(certificate, with_for_update=True)
    if certificate.is_revoked:
        raise CertificateError("这份证书已经撤销。")
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = actor.id
    certificate.revoke_reason = reason
    audit.record(
        actor,
        "certificate.revoke",
        f"撤销{certificate.kind_label}：{certificate.member_name}，{certificate.title}"
        f"（{certificate.printed_code}），原因：{reason}",
        org=certificate.issuer_org,
        user=certificate.member,
    )
    db.session.flush()


def masked_name(name: str) -> str:
    """A name as the public verification page shows it: 张*丽, 王*; enough to compare with
    the paper, not enough to learn who holds party membership from a code alone."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return f"{name[0]}*"
    return f"{name[0]}{'*' * (len(name) - 2)}{name[-1]}"
