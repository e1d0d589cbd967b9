"""``flask users``: accounts from the command line (the web UI for this comes later)."""

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from school.auth import services
from school.auth.models import ROLES, User
from school.db import db
from school.orgs import services as orgs
from school.orgs.models import STAFF_ROLES

users = AppGroup("users", help="账号管理。")


def _user(username: str) -> User:
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    if user is None:
        raise click.ClickException(f"找不到用户 {username}。")
    return user


def _org(text: str | None):
    """An organisation named by its code or its unique full name, as everywhere else."""
    if text is None:
        return None
    try:
        return orgs.lookup_org(text)
    except orgs.OrgError as exc:
        raise click.ClickException(str(exc)) from None


@users.command("create")
@click.argument("username")
@click.option("--name", required=True, help="姓名")
@click.option("--role", type=click.Choice(sorted(ROLES)), default="member", show_default=True)
@click.option("--org", "org_name", help="所在（流出地）党组织：组织代码或全称")
@click.option("--host-org", "host_name", help="流入地党组织：组织代码或全称")
@click.option("--cadre", is_flag=True, help="支部书记或委员（年度 56 学时）")
@click.option("--password", help="不给出则生成一次性密码，首次登录须修改")
def create(username, name, role, org_name, host_name, cadre, password):
    """Create an account."""
    try:
        user, one_time = services.create_user(
            username,
            name,
            password=password,
            role=role,
            home_org=_org(org_name),
            host_org=_org(host_name),
            is_cadre=cadre,
        )
    except services.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"已创建用户 {user.username}（{user.role_label}）。")
    if one_time:
        click.echo(f"一次性密码：{one_time}（首次登录后须修改）")


@users.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(sorted(ROLES)))
def set_role(username, role):
    """Change an account's role: member, instructor or admin."""
    user = _user(username)
    try:
        services.set_role(None, user, role)
    except services.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"{user.username} 的角色已设为{user.role_label}。")


@users.command("grant")
@click.argument("username")
@click.argument("org_name")
@click.option(
    "--role", type=click.Choice(sorted(STAFF_ROLES)), default="secretary", show_default=True
)
def grant(username, org_name, role):
    """Make USERNAME staff of ORG_NAME (code or full name) and its subtree; audited."""
    user = _user(username)
    org = _org(org_name)
    try:
        orgs.grant(None, user, org, role)
    except orgs.OrgError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"{user.username} 现为“{org.name}”的{STAFF_ROLES[role]}。")


@users.command("revoke")
@click.argument("username")
@click.argument("org_name")
def revoke(username, org_name):
    """Take USERNAME's staff role at ORG_NAME (code or full name) away; audited."""
    user = _user(username)
    org = _org(org_name)
    grant = next((g for g in user.staff_grants if g.org_id == org.id), None)
    if grant is None:
        raise click.ClickException(f"{user.username} 在“{org.name}”没有管理角色。")
    orgs.revoke(None, grant)
    db.session.commit()
    click.echo(f"已撤销 {user.username} 在“{org.name}”的管理角色。")


@users.command("reset-password")
@click.argument("username")
def reset_password(username):
    """Give USERNAME a one-time password that must be changed at the next login."""
    user = _user(username)
    one_time = services.reset_password(None, user)
    db.session.commit()
    click.echo(f"{user.username} 的一次性密码：{one_time}（首次登录后须修改）")
