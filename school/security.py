"""Response headers and request guards that apply to every page."""

from flask import Flask, redirect, request, url_for
from flask.globals import request_ctx
from flask_login import current_user
from werkzeug.exceptions import SecurityError

# Everything is served from this site: no CDN, no inline script or style.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; object-src 'none'; frame-src 'self'; frame-ancestors 'self'; "
    "base-uri 'self'; form-action 'self'"
)

# Responses a browser may keep: files that are the same for every reader (style sheets, scripts,
# a course's videos and PDFs, which phones on slow networks should not fetch twice). Everything
# else is marked no-store, overriding what a view set: any page or file behind login can carry
# personal data (exports, the archive, a card photo), and so can the card scan page; a kept copy
# outlives logout and shows on a shared phone. An allow-list, so a new view is safe by default.
CACHEABLE_ENDPOINTS = frozenset({"static", "courses.media", "studio_files.serve"})

# Browsers then refuse plain http for a year, on this host and every subdomain.
HSTS = "max-age=31536000; includeSubDomains"

# Pages a member with a one-time password may still open.
_PASSWORD_CHANGE_EXEMPT = {"auth.change_password", "auth.logout", "static"}


def register(app: Flask) -> None:
    def _refuse_unknown_host():
        # Flask checks the Host header against TRUSTED_HOSTS (config.py) and, for a name not on
        # it, leaves a SecurityError to be raised after the before_request hooks. Raise it first,
        # so no hook (CSRF, rate limits, login) reads a request meant for another site. Flask
        # built no URL adapter for it either; the 400 page's links are paths, so a configured name
        # serves to build them, never the name the client sent.
        exc = request.routing_exception
        if isinstance(exc, SecurityError):
            request_ctx.url_adapter = app.url_map.bind(
                app.config["TRUSTED_HOSTS"][0].lstrip("."),
                script_name=request.script_root or None,
                url_scheme=request.scheme,
            )
            raise exc

    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_unknown_host)

    def _secure_host_cookies(response):
        # Browsers ignore a __Host- cookie that is not Secure, deletions included. Flask-Login
        # deletes its remember cookie without Secure (its issue #683), which would leave the
        # cookie in the browser after logout. Registered first, so it runs after every other hook.
        cookies = response.headers.getlist("Set-Cookie")
        fixed = [f"{c}; Secure" if _lacks_secure(c) else c for c in cookies]
        if fixed != cookies:
            response.headers.setlist("Set-Cookie", fixed)
        return response

    app.after_request_funcs.setdefault(None, []).insert(0, _secure_host_cookies)

    @app.before_request
    def _force_password_change():
        if (
            current_user.is_authenticated
            and current_user.must_change_password
            and request.endpoint not in _PASSWORD_CHANGE_EXEMPT
        ):
            return redirect(url_for("auth.change_password"))
        return None

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers["Strict-Transport-Security"] = HSTS
        if request.endpoint not in CACHEABLE_ENDPOINTS:
            response.headers["Cache-Control"] = "no-store"
        return response


def _lacks_secure(cookie: str) -> bool:
    """Whether a Set-Cookie header value sets (or deletes) a __Host- cookie without Secure."""
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    return cookie.startswith("__Host-") and "secure" not in attributes
