from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_url, login_user, logout_user

from school.auth import services, sessions
from school.auth.forms import ChangePasswordForm, LoginForm
from school.auth.models import User
from school.db import db
from school.extensions import limiter
from school.urls import local_path

bp = Blueprint("auth", __name__, template_folder="templates")


def load_user(token: str) -> User | None:
    """Flask-Login loader: the cookie holds a login session's secret, checked on every request."""
    return sessions.resolve(token, ip=request.remote_addr)


def unauthorized():
    """Not logged in: pages go to the login form; background saves get JSON they can act on."""
    if request.accept_mimetypes.best == "application/json":
        # A redirect to an HTML login page would look like a network error to the quiz page.
        return jsonify(
            error="login", message="登录已过期，请在新窗口重新登录，本页答案会随后保存。"
        ), 401
    flash("请先登录。", "info")
    return redirect(login_url("auth.login", request.url))


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _username_key() -> str:
    # A second limit per account name, so guessing one account from many addresses is slowed too.
    return "user:" + request.form.get("username", "").strip().lower()


def _home(user: User) -> str:
    """Where a login lands: staff on their workbench, members on their courses."""
    return url_for("workbench.index" if user.is_staff else "courses.catalogue")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_username_key)
def login():
    if current_user.is_authenticated:
        return redirect(_home(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.username.data.strip(), form.password.data)
        if user is None:
            form.password.errors.append("用户名或密码不正确。")
        else:
            # A fresh cookie session: nothing from before the login, the CSRF token included.
            session.clear()
            sessions.start(
                user,
                remember=form.remember.data,
                ip=request.remote_addr,
                user_agent=request.user_agent.string,
            )
            db.session.commit()  # the session row, and a rehashed password
            login_user(user, remember=form.remember.data)
            if user.must_change_password:
                flash("这是一次性密码，请先设置您自己的新密码。", "info")
                return redirect(url_for("auth.change_password"))
            return redirect(local_path(request.args.get("next")) or _home(user))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    sessions.end(current_user.login_token)
    db.session.commit()
    # Cleared before logout_user, which then marks the remember cookie for deletion; the next
    # form gets a new CSRF token, so a page kept from before the logout cannot post.
    session.clear()
    logout_user()
    flash("您已退出登录。", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.new.data)
        except services.AccountError as exc:
            form.new.errors.append(str(exc))
        else:
            db.session.commit()
            flash("密码已修改。", "success")
            return redirect(_home(current_user))
    return render_template("auth/password.html", form=form)


@bp.get("/account/sessions")
@login_required
def devices():
    return render_template(
        "auth/sessions.html",
        logins=sessions.live_sessions(current_user),
        this=sessions.current(current_user.login_token),
        describe=sessions.describe,
    )


@bp.post("/account/sessions/<int:session_id>/end")
@login_required
def end_device(session_id: int):
    this = sessions.current(current_user.login_token)
    if this is not None and this.id == session_id:
        return redirect(url_for("auth.devices"))  # this device signs out with 退出登录
    if not sessions.end_one(current_user, session_id):
        abort(404)
    db.session.commit()
    flash("已退出该设备上的登录。", "success")
    return redirect(url_for("auth.devices"))


@bp.post("/account/sessions/end-others")
@login_required
def end_other_devices():
    count = sessions.end_all(current_user, "signed_out", keep=current_user.login_token)
    db.session.commit()
    flash(f"已退出其他 {count} 台设备上的登录。" if count else "没有其他设备在登录。", "success")
    return redirect(url_for("auth.devices"))
