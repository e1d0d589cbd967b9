"""Error pages in Chinese that say what happened and nothing about the internals."""

import logging
import math
import time

from flask import Flask, jsonify, make_response, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError, generate_csrf
from werkzeug.exceptions import RequestEntityTooLarge, TooManyRequests

from school import uploads
from school.db import db
from school.extensions import limiter
from school.urls import local_path

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("请求有误", "提交的内容无法处理，请返回上一页重试。"),
    403: ("没有权限", "您没有权限访问这个页面。"),
    404: ("页面不存在", "您要找的页面不存在，或者您没有权限查看。"),
    405: ("请求方式不对", "这个地址不接受这种请求。"),
    413: ("内容过大", "提交的内容超过了允许的大小。"),
    429: ("操作太频繁", "尝试次数过多，请稍等几分钟再试。"),  # when the wait is unknown
    500: ("服务器出错了", "系统暂时出现问题，请稍后再试。已记录此错误。"),
}


def _page(code: int):
    if code == 500:
        # The request may have died inside a failed transaction (PostgreSQL then refuses every
        # query); the page itself still needs the database for the header.
        db.session.rollback()
    title, text = MESSAGES[code]
    return render_template("error.html", code=code, title=title, text=text), code


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _too_large(exc: RequestEntityTooLarge):
    """A body past the hard cap: name the upload's limit and say that nothing was kept.

    A file over its limit but under the cap never comes here: its form comes back with the
    text (school/uploads.py). Past the cap the body was never parsed, so the text is gone too.
    """
    key = uploads.request_kind()
    if key is None:
        if _wants_json():
            return jsonify(error="too_large", message=MESSAGES[413][1]), 413
        return _page(413)
    text = uploads.too_large_message(key)
    if uploads.KINDS[key].with_text:
        text += (
            "这次提交没有保存，填写的文字也没能保留：请返回上一页，换一个较小的文件再提交"
            "（如果文字已不在，请重新填写）。"
        )
    else:
        text += "这次上传没有保存，请返回上一页重新选择文件。"
    if _wants_json():
        return jsonify(error="too_large", message=text, max_mb=uploads.limit_mb(key)), 413
    back = local_path(request.referrer, request.host)
    title = f"{uploads.KINDS[key].noun}太大"
    return render_template("error.html", code=413, title=title, text=text, back=back), 413


def _retry_after(exc: TooManyRequests) -> int | None:
    """Seconds until the limit that was hit lets this client in again; None if unknown."""
    current = limiter.current_limit
    try:
        if current is not None and current.breached:
            # The window's own reset time: RequestLimit.reset_at rounds it up a whole second.
            return max(1, math.ceil(current.window[0] - time.time()))
    except Exception:  # the limiter's storage (Redis) may be unreachable: the window will do
        log.warning("rate limit reset time unavailable", exc_info=True)
    if isinstance(exc, RateLimitExceeded):
        return max(1, int(exc.limit.limit.get_expiry()))
    return None


def _too_many(exc: TooManyRequests):
    """Say when to try again, on the page, in JSON and in Retry-After (seconds)."""
    seconds = _retry_after(exc)
    title, text = MESSAGES[429]
    if seconds is not None:
        text = f"尝试次数过多，请在 {_minutes(seconds)} 分钟后再试。"
    if _wants_json():
        response = jsonify(error="rate_limited", message=text, retry_after=seconds)
    else:
        response = render_template("error.html", code=429, title=title, text=text)
    response = make_response(response, 429)
    if seconds is not None:
        response.headers["Retry-After"] = str(seconds)
    return response


def _minutes(seconds: int) -> int:
    """Whole minutes to wait, rounded up: "1 分钟" for anything under a minute."""
    return max(1, math.ceil(seconds / 60))


def register(app: Flask) -> None:
    for code in MESSAGES.keys() - {413, 429}:
        app.register_error_handler(code, lambda exc, code=code: _page(code))
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    app.register_error_handler(TooManyRequests, _too_many)

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        if request.accept_mimetypes.best == "application/json":
            # Background saves (quiz answers) get a fresh token and retry: nothing is lost.
            return jsonify(error="csrf", csrf_token=generate_csrf()), 400
        # An expired or missing token: explain, and offer the way back. A form the member was
        # filling in is still in the browser's history, so "back" keeps the text.
        # Only forms with a written text (posts, replies): never echo passwords back.
        chosen = any(f.filename for f in request.files.values())
        if request.method == "POST" and "body" in request.form and not chosen:
            # A long reply typed on a page that outlived its token: show the same form again
            # with the text kept and a fresh token, so one tap sends it.
            fields = [(k, v) for k, v in request.form.items(multi=True) if k != "csrf_token"]
            return render_template("resubmit.html", action=request.path, fields=fields), 400
        return (
            render_template(
                "error.html",
                code=400,
                title="页面已过期",
                text="为了安全，这个页面需要刷新后再提交。请返回上一页，刷新后再试一次。",
                back=local_path(request.referrer, request.host),
            ),
            400,
        )
