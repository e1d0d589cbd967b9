"""Certificate pages: the member's printable certificate and its PDF, revocation by staff, a
list per course, campaign or class, and the public verification page."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from school import qr
from school.certificates import pdf, services
from school.certificates.forms import RevokeForm
from school.certificates.models import Certificate, printed
from school.certificates.permissions import (
    can_list_certificates,
    can_revoke_certificate,
    can_view_certificate,
)
from school.certificates.sources import SOURCES
from school.db import db
from school.extensions import limiter
from school.urls import external_url

bp = Blueprint("certificates", __name__, template_folder="templates")


def _load(certificate_id: int) -> Certificate:
    certificate = db.session.get(Certificate, certificate_id)
    # 404 rather than 403: whether someone holds a certificate is not for everyone to know.
    if certificate is None or not can_view_certificate(current_user, certificate):
        abort(404)
    return certificate


def _verify_url(certificate: Certificate) -> str:
    return external_url("certificates.verify", code=certificate.printed_code)


def _font():
    return pdf.font_for(str(current_app.config["CERTIFICATE_FONT"] or ""))


@bp.get("/certificates/<int:certificate_id>")
@login_required
def show(certificate_id: int):
    certificate = _load(certificate_id)
    url = _verify_url(certificate)
    response = make_response(
        render_template(
            "certificates/certificate.html",
            c=certificate,
            verify_url=url,
            qr=qr.svg(url, "证书核验二维码"),
            has_pdf=_font() is not None,
            can_revoke=can_revoke_certificate(current_user, certificate),
            form=RevokeForm(),
        )
    )
    # Revocation must show at once, also on a page opened before.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/certificates/<int:certificate_id>.pdf")
@login_required
def download(certificate_id: int):
    certificate = _load(certificate_id)
    font = _font()
    if font is None:  # the page offers no PDF then; print the page instead
        abort(404)
    response = make_response(pdf.render(certificate, _verify_url(certificate), font))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="certificate-{certificate.printed_code}.pdf"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/certificates/<int:certificate_id>/revoke")
@login_required
def revoke(certificate_id: int):
    certificate = _load(certificate_id)
    if not can_revoke_certificate(current_user, certificate):
        abort(403)
    form = RevokeForm()
    if not form.validate_on_submit():
        flash(next(iter(form.errors.values()))[0], "warning")
        return redirect(url_for("certificates.show", certificate_id=certificate.id))
    try:
        services.revoke(certificate, current_user, form.reason.data)
    except services.CertificateError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
    else:
        db.session.commit()
        flash("证书已撤销，核验时将显示“已撤销”。", "success")
    return redirect(url_for("certificates.show", certificate_id=certificate.id))


@bp.get("/manage/certificates/<kind>/<int:source_id>")
@login_required
def issued(kind: str, source_id: int):
    source = SOURCES.get(kind)
    found = source.load(source_id) if source is not None else None
    if found is None or not can_list_certificates(current_user, source.org(found)):
        abort(404)
    return render_template(
        "certificates/issued.html",
        kind=kind,
        title=source.title(found),
        back=source.back_url(found),
        certificates=services.of_source(kind, source_id),
    )


def _verify_page(code: str):
    certificate = services.by_code(code)
    response = make_response(
        render_template(
            "certificates/verify.html",
            code=code,
            c=certificate,
            name=services.masked_name(certificate.member_name) if certificate else "",
        ),
        200 if certificate is not None or not code else 404,
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/verify")
@limiter.limit("60 per minute")
def verify_form():
    code = request.args.get("code", "").strip()[:40]
    normal = services.normalise_code(code)
    if normal is not None:
        return redirect(url_for("certificates.verify", code=printed(normal)))
    return _verify_page(code)


@bp.get("/verify/<code>")
@limiter.limit("60 per minute")
def verify(code: str):
    return _verify_page(code[:40])
