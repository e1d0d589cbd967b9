"""Alembic environment: runs migrations with the app's own engine setup (SQLite pragmas too)."""

from alembic import context

import school.models  # noqa: F401  (registers every table on the metadata)
from school.db import Base, make_engine

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = make_engine({"DATABASE_URL": config.attributes["database_url"]})
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("离线模式（--sql）未启用：请直接对数据库执行 flask db upgrade。")
run_migrations_online()
