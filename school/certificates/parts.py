"""The certificates' parts on other features' pages (registered in ``create_app``)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from sqlalchemy import func, select

from school.auth.models import User
from school.campaigns.models import Campaign
from school.certificates import services
from school.certificates.models import Certificate
from school.certificates.permissions import can_list_certificates, can_view_certificate
from school.classes.models import TrainingClass
from school.db import db


@dataclass(frozen=True)
class Line:
    certificate: Certificate
    url: str


def archive_part(viewer: User, member: User) -> dict[str, object]:
    """The member's certificates on their archive page, each linked to its printable page."""
    return {
        "certificates": [
            Line(c, url_for("certificates.show", certificate_id=c.id))
            for c in services.of_member(member)
            if can_view_certificate(viewer, c)
        ]
    }


def _issued(viewer: User, kind: str, source: Campaign | TrainingClass) -> dict[str, object]:
    if not can_list_certificates(viewer, source.org):
        return {}
    count = db.session.scalar(
        select(func.count(Certificate.id)).where(
            Certificate.kind == kind,
            Certificate.source_id == source.id,
            Certificate.revoked_at.is_(None),
        )
    )
    return {
        "certificates_issued": count or 0,
        "certificates_url": url_for("certificates.issued", kind=kind, source_id=source.id),
    }


def class_part(viewer: User, training_class: TrainingClass) -> dict[str, object]:
    """On a class's staff page: how many 培训证明 it has given, and the list."""
    return _issued(viewer, "class", training_class)


def campaign_part(viewer: User, campaign: Campaign) -> dict[str, object]:
    """On a campaign's page: how many certificates it has given, and the list."""
    return _issued(viewer, "campaign", campaign)
