"""Account operations shared by the views and the CLI."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select

from school.auth import sessions
from school.auth.models import ROLES, User
from school.auth.passwords import dummy_verify, hash_password, needs_rehash, verify_password
from school.db import db
from school.orgs.models import STAFF_ROLES, Organisation, StaffGrant

MIN_PASSWORD_LENGTH = 8
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


def reset_password(user: User) -> str:
    """Give the account a one-time password that must be changed at the next login."""
    one_time = "".join(secrets.choice(_ONE_TIME_ALPHABET) for _ in range(10))
    user.password_hash = hash_password(one_time)
    user.must_change_password = True
    sessions.end_all(user, "reset")
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
    return user, None if password is not None else reset_password(user)


def set_role(user: User, role: str) -> None:
    """Change an account's site-wide role."""
    if role not in ROLES:
        raise AccountError(f"未知角色：{role}（可选：{'、'.join(ROLES)}）")
    user.role = role
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
