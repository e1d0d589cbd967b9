"""``flask backup``: one archive of the database, media, uploads and secret key, and back."""

from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from school.backup.errors import BackupError

backup = AppGroup("backup", help="备份与恢复：数据库、媒体与上传文件、密钥。")


def _paths() -> tuple[str, Path, Path, Path]:
    config = current_app.config
    return (
        str(config["DATABASE_URL"]),
        Path(str(config["MEDIA_DIR"])),
        Path(str(config["UPLOAD_DIR"])),
        Path(current_app.instance_path) / "secret_key",
    )


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


@backup.command("create")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    help="备份文件路径（默认 instance/backups/school-年月日-时分秒.tar.gz）。",
)
def create(output: Path | None) -> None:
    """Write one archive of the database, media, uploads and the secret key."""
    from school.backup import services
    from school.clock import to_local

    database_url, media_dir, upload_dir, key_file = _paths()
    now = datetime.now(UTC)
    output = output or services.default_output(Path(current_app.instance_path), to_local(now))
    with_key = services.instance_secret_in_use(key_file, str(current_app.config["SECRET_KEY"]))
    try:
        result = services.create_backup(
            database_url,
            output,
            media_dir=media_dir,
            upload_dir=upload_dir,
            secret_key_file=key_file if with_key else None,
            now=now,
        )
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    rows = sum(result.manifest.tables.values())
    click.echo(
        f"备份已写入 {result.path}（{_size(result.size)}：{len(result.manifest.tables)} 张表 "
        f"{rows} 行，媒体与上传文件 {result.files} 个）。"
    )
    click.echo("备份含党员个人信息" + ("和密钥" if with_key else "") + "，文件权限为 0600：")
    click.echo("请复制到另一台机器妥善保管，不要放在网站可以下载的目录里。")
    if not with_key:
        click.echo(
            "提醒：SECRET_KEY 来自环境变量，没有写入备份。请另行保存它，恢复时在新服务器上"
            "设置同一个 SECRET_KEY。"
        )


@backup.command("restore")
@click.argument("archive", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="数据库中已有账号时，用备份替换现有的全部数据和文件。")
def restore(archive: Path, force: bool) -> None:
    """Bring back an archive made by flask backup create (stop the site first)."""
    from school.backup import services

    database_url, media_dir, upload_dir, key_file = _paths()
    # Asked before the restore rewrites the file: is the running config's key the instance one?
    key_from_env = not services.instance_secret_in_use(
        key_file, str(current_app.config["SECRET_KEY"])
    )
    click.echo("恢复前请先停止网站的所有进程：恢复时不能有程序在读写数据库。")
    try:
        result = services.restore_backup(
            archive,
            database_url,
            media_dir=media_dir,
            upload_dir=upload_dir,
            secret_key_file=key_file,
            force=force,
        )
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    manifest = result.manifest
    rows = sum(manifest.tables.values())
    parts = [f"数据库（{len(manifest.tables)} 张表，{rows} 行）", "媒体与上传文件"]
    parts += ["密钥"] if manifest.secret_key else []
    click.echo(f"已恢复 {manifest.created_at} 的备份：{'、'.join(parts)}。")
    if result.needs_upgrade:
        click.echo("备份的数据库结构比本程序旧：请运行 flask db upgrade。")
    if not manifest.secret_key:
        click.echo(
            "备份中没有密钥（当时 SECRET_KEY 来自环境变量）：请设置与原服务器相同的 SECRET_KEY，"
            "否则所有人需要重新登录。"
        )
    elif key_from_env:
        click.echo(f"密钥已写入 {key_file}，但当前 SECRET_KEY 来自环境变量，网站仍会使用环境变量。")
    click.echo("搜索索引不在备份中：请运行 flask search reindex 重建，然后启动网站。")
