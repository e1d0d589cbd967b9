"""Error pages in Chinese that say what happened and nothing about the internals."""

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError, generate_csrf

from school.db import db
from school.urls import local_path

MESSAGES = {
    400: ("请求有误", "提交的内容无法处理，请返回上一页重试。"),
    403: ("没有权限", "您没有权限访问这个页面。"),
    404: ("页面不存在", "您要找的页面不存在，或者您没有权限查看。"),
    405: ("请求方式不对", "这个地址不接受这种请求。"),
    413: ("内容过大", "提交的内容超过了允许的大小。"),
    429: ("操作太频繁", "尝试次数过多，请稍等几分钟再试。"),
    500: ("服务器出错了", "系统暂时出现问题，请稍后再试。已记录此错误。"),
}


def _page(code: int):
    if code == 500:
        # The request may have died inside a failed transaction (PostgreSQL then refuses every
        # query); the page itself still needs the database for the header.
        db.session.rollback()
    title, text = MESSAGES[code]
    return render_template("error.html", code=code, title=title, text=text), code


def register(app: Flask) -> None:
    for code in MESSAGES:
        app.register_error_handler(code, lambda exc, code=code: _page(code))

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
