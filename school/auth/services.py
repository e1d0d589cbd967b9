"""Account operations shared by the views and the CLI."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select

from school.auth import sessions
from school.auth.models import FONT_SIZES, ROLES, User
from school.auth.passwords import (
    dummy_verify,
    hash_one_time,
    hash_password,
    needs_rehash,
    verify_password,
)
from school.db import db, utcnow
from school.orgs import audit
from school.orgs.models import STAFF_ROLES, Organisation, StaffGrant

MIN_PASSWORD_LENGTH = 8
REASON_MAX = 200
# Easy to read aloud or type on a phone: no 0/O, 1/l/I.
_ONE_TIME_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


class AccountError(ValueError):
    """A request about an account that cannot be carried out; the message is for the user."""


def authenticate(username: str, password: str) -> User | None:
    """Return the active user with these credentials, or None without saying which part failed."""
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    if user is None:
        dummy_verify(password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def check_new_password(user: User, new: str) -> None:
    """Refuse passwords that are too short or just the username."""
    if len(new) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"新密码至少需要 {MIN_PASSWORD_LENGTH} 个字符。")
    if new.lower() == user.username.lower():
        raise AccountError("新密码不能与用户名相同。")


def change_password(user: User, current: str, new: str) -> None:
    """Change a member's own password; the account's other sessions end, this one stays."""
    if not verify_password(user.password_hash, current):
        raise AccountError("当前密码不正确。")
    if current == new:
        raise AccountError("新密码不能与当前密码相同。")
    check_new_password(user, new)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    sessions.end_all(user, "password", keep=user.login_token)


def set_one_time_password(user: User) -> str:
    """Replace the account's password with a new random one that must be changed at the next
    login, and return it (it is stored hashed only: the caller shows it once)."""
    one_time = "".join(secrets.choice(_ONE_TIME_ALPHABET) for _ in range(10))
    user.password_hash = hash_one_time(one_time)
    user.must_change_password = True
    return one_time


def reset_password(actor: User | None, user: User) -> str:
    """Give the account a one-time password to change at the next login; its sessions end."""
    one_time = set_one_time_password(user)
    sessions.end_all(user, "reset")
    audit.account(actor, "account.reset", user)
    db.session.flush()
    return one_time


def create_user(
    username: str,
    name: str,
    *,
    password: str | None = None,
    role: str = "member",
    home_org: Organisation | None = None,
    host_org: Organisation | None = None,
    is_cadre: bool = False,
) -> tuple[User, str | None]:
    """Create an account. Without a password it gets a one-time one, which is returned."""
    if role not in ROLES:
        raise AccountError(f"未知角色：{role}（可选：{'、'.join(ROLES)}）")
    if not username.strip() or not name.strip():
        raise AccountError("用户名和姓名不能为空。")
    taken = db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower()))
    if taken is not None:
        raise AccountError(f"用户名 {username} 已被使用。")
    user = User(
        username=username.strip(),
        name=name.strip(),
        role=role,
        home_org=home_org,
        host_org=host_org,
        is_cadre=is_cadre,
        password_hash="",
    )
    if password is not None:
        check_new_password(user, password)
        user.password_hash = hash_password(password)
    db.session.add(user)
    db.session.flush()
    return user, None if password is not None else set_one_time_password(user)


def set_role(actor: User | None, user: User, role: str) -> None:
    """Change an account's site-wide role (member, instructor, admin); audited."""
    if role not in ROLES:
        raise AccountError(f"未知角色：{role}（可选：{'、'.join(ROLES)}）")
    if actor is not None and actor.id == user.id:
        raise AccountError("不能更改自己的角色，请另一位管理员操作。")
    if user.role == role:
        return
    audit.account(actor, "account.role", user, f"{ROLES[user.role]} → {ROLES[role]}")
    user.role = role
    db.session.flush()


def disable_account(actor: User | None, user: User, reason: str) -> None:
    """Stop the account from logging in and end its sessions at once; the reason is required."""
    reason = (reason or "").strip()
    if not reason:
        raise AccountError("请填写停用原因。")
    if len(reason) > REASON_MAX:
        raise AccountError(f"停用原因不能超过 {REASON_MAX} 个字。")
    if actor is not None and actor.id == user.id:
        raise AccountError("不能停用自己的账号。")
    if not user.active:
        raise AccountError("这个账号已经停用。")
    user.active = False
    user.disabled_at = utcnow()
    user.disabled_reason = reason
    sessions.end_all(user, "disabled")
    audit.account(actor, "account.disable", user, f"，原因：{reason}")
    db.session.flush()


def enable_account(actor: User | None, user: User) -> None:
    """Let a disabled account log in again (its old sessions stay ended)."""
    if user.active:
        raise AccountError("这个账号没有停用。")
    user.active = True
    user.disabled_at = None
    user.disabled_reason = None
    audit.account(actor, "account.enable", user)
    db.session.flush()


def grant_staff(user: User, org: Organisation, role: str) -> StaffGrant:
    """Make the user staff of an organisation (and so of its subtree), or change that role."""
    if role not in STAFF_ROLES:
        raise AccountError(f"未知管理角色：{role}（可选：{'、'.join(STAFF_ROLES)}）")
    grant = next((g for g in user.staff_grants if g.org_id == org.id), None)
    if grant is None:
        grant = StaffGrant(org=org, role=role)
        user.staff_grants.append(grant)
    grant.role = role
    db.session.flush()
    return grant


def set_font_size(user: User, size: str) -> None:
    """Keep the member's reading size for every page; an unknown size changes nothing."""
    if size not in FONT_SIZES:
        raise AccountError("请选择标准、大或特大。")
    user.font_size = size
    db.session.flush()
