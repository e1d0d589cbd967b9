"""``flask search``: rebuild the search documents and index from the database."""

import click
from flask import current_app
from flask.cli import AppGroup

search = AppGroup("search", help="全文搜索索引。")


@search.command("reindex")
@click.option(
    "--parts",
    type=click.IntRange(1, 8),
    default=1,
    show_default=True,
    help="Whoosh 索引分几段同时建：段多建得快，搜索稍慢。",
)
@click.option(
    "--if-stale",
    is_flag=True,
    help="只在索引不是按当前搜索词典分词时重建（升级部署时运行）。",
)
def reindex(parts: int, if_stale: bool) -> None:
    """Rebuild every search document from the database, then the whole index."""
    from school.search import dictionary, service

    if if_stale:
        reasons = service.stale(current_app._get_current_object())
        if not reasons:
            click.echo(f"搜索索引已按当前词典（{dictionary.current().version}）分词，无需重建。")
            return
        click.echo("重建搜索索引：" + "；".join(reasons))
    total = service.reindex(echo=click.echo, parts=parts)
    click.echo(f"重建完成：共 {total} 条可搜索的内容（词典 {dictionary.current().version}）。")
