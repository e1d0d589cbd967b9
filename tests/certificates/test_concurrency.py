"""Two requests issuing the same certificate at once (a member's two tabs finishing the last
step, a scan and a hand tick) leave one valid certificate, and two staff revoking it at once
record one revocation."""

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from school.auth.models import User
from school.certificates import services
from school.certificates.models import Certificate
from school.db import db
from school.orgs.models import AuditEntry
from tests.factories import build_world
from tests.racing import race


def _issue(member_id: int):
    def action():
        certificate = services.issue(
            db.session.get(User, member_id),
            kind="class",
            source_id=7,
            title="返乡培训",
            detail="出勤 1/1 场",
            hours=Decimal(3),
            completed_on=date(2026, 12, 1),
            issuer=None,
        )
        return certificate is not None

    return action


def test_issuing_at_once_gives_one_certificate(committed_app):
    with committed_app.app_context():
        member = build_world().member
        db.session.commit()
    results = race(committed_app, [_issue(member), _issue(member)])
    assert sorted(map(str, results)) == ["False", "True"], results
    with committed_app.app_context():
        assert db.session.scalar(select(func.count(Certificate.id))) == 1


def _revoke(certificate_id: int, admin_id: int, reason: str):
    def action():
        services.revoke(
            db.session.get(Certificate, certificate_id), db.session.get(User, admin_id), reason
        )
        return reason

    return action


def test_revoking_at_once_records_one_revocation(committed_app):
    with committed_app.app_context():
        world = build_world()
        db.session.commit()
    assert race(committed_app, [_issue(world.member)]) == [True]
    with committed_app.app_context():
        certificate_id = db.session.scalar(select(Certificate.id))
    results = race(
        committed_app,
        [_revoke(certificate_id, world.admin, "甲"), _revoke(certificate_id, world.admin, "乙")],
    )
    assert sum(1 for r in results if isinstance(r, services.CertificateError)) == 1, results
    with committed_app.app_context():
        certificate = db.session.get(Certificate, certificate_id)
        assert certificate.revoke_reason in ("甲", "乙") and certificate.revoke_reason in results
        revocations = select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "certificate.revoke"
        )
        assert db.session.scalar(revocations) == 1
