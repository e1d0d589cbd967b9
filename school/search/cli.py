"""``flask search``: rebuild the search documents and index from the database."""

import click
from flask.cli import AppGroup

search = AppGroup("search", help="全文搜索索引。")


@search.command("reindex")
def reindex() -> None:
    """Rebuild every search document from the database, then the whole index."""
    from school.search import service

    total = service.reindex(echo=click.echo)
    click.echo(f"重建完成：共 {total} 条可搜索的内容。")
