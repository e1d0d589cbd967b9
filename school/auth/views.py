from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required, login_url, login_user, logout_user

from school.auth import services
from school.auth.forms import ChangePasswordForm, LoginForm
from school.auth.models import User
from school.db import db
from school.extensions import limiter
from school.urls import local_path

bp = Blueprint("auth", __name__, template_folder="templates")


def load_user(session_id: str) -> User | None:
    """Flask-Login loader: the id carries the auth version, so a reset ends older sessions."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.auth_version != int(version) or not user.active:
        return None
    return user


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


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_username_key)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("courses.catalogue"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.username.data.strip(), form.password.data)
        if user is None:
            form.password.errors.append("用户名或密码不正确。")
        else:
            db.session.commit()  # a rehashed password
            login_user(user, remember=form.remember.data)
            if user.must_change_password:
                flash("这是一次性密码，请先设置您自己的新密码。", "info")
                return redirect(url_for("auth.change_password"))
            return redirect(local_path(request.args.get("next")) or url_for("courses.catalogue"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
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
            # The auth version changed: log in again under it so this session stays valid.
            login_user(current_user._get_current_object())
            flash("密码已修改。", "success")
            return redirect(url_for("courses.catalogue"))
    return render_template("auth/password.html", form=form)
