"""``flask search``: rebuild the search documents and index from the database."""

import click
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
def reindex(parts: int) -> None:
    """Rebuild every search document from the database, then the whole index."""
    from school.search import service

    total = service.reindex(echo=click.echo, parts=parts)
    click.echo(f"重建完成：共 {total} 条可搜索的内容。")
