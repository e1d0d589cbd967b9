"""``flask db upgrade`` says what it did: built a database, upgraded one, or found it current."""

from school import create_app
from school.cli import applied_revisions
from tests.conftest import app_config
from tests.databases import drop_database, new_database


def test_upgrade_says_what_it_did(backend, tmp_path):
    url = new_database(backend, tmp_path)
    try:
        app = create_app(app_config(url, tmp_path))
        runner = app.test_cli_runner()

        def upgrade(*revision: str) -> str:
            result = runner.invoke(args=["db", "upgrade", *revision])
            assert result.exit_code == 0, result.output
            return result.output.strip()

        assert applied_revisions(url) == set()
        # A brand-new database: everything was just created.
        assert upgrade("51f860ff158d") == "已建立数据库结构。"
        # Behind the newest revision: upgraded.
        assert upgrade() == "已升级数据库结构。"
        head = applied_revisions(url)
        assert len(head) == 1 and head != {"51f860ff158d"}
        # Nothing left to do.
        assert upgrade() == "数据库已是最新结构。"
        app.extensions["school.db"].engine.dispose()
    finally:
        drop_database(url)
