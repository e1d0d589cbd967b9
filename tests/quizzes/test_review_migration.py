"""The migration that adds ``after_last`` keeps every quiz, attempt and archive entry as it was."""

from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import column, func, select, table
from sqlalchemy.exc import IntegrityError

from school.archive.models import ArchiveEntry
from school.cli import alembic_config
from school.db import make_engine
from school.quizzes.models import Attempt, Quiz, QuizSlot
from tests.databases import drop_database, new_database

BEFORE = "d1f4b7a2c9e6"
REVISION = "e1a7c3d9b2f4"
WHEN = datetime(2026, 3, 1, tzinfo=UTC)


# The quizzes table as it stood at these revisions: the model has grown since.
QUIZZES = table(
    "quizzes",
    *(column(name) for name in ("id", "title", "description", "kind", "status", "required")),
    *(column(name) for name in ("attempts_allowed", "pass_percent", "review", "one_per_page")),
    *(column(name) for name in ("shuffle_options", "created_at")),
)


ENTRIES = table(
    "archive_entries",
    *(column(name) for name in ("member_id", "kind", "source", "title", "hours", "score")),
    *(column(name) for name in ("max_score", "passed", "dedupe_key", "completed_at")),
    column("recorded_at"),
)


def _quiz(conn, quiz_id: int, review: str) -> None:
    conn.execute(
        QUIZZES.insert().values(
            id=quiz_id,
            title="结业测验",
            description="",
            kind="exam",
            status="published",
            required=True,
            attempts_allowed=3,
            pass_percent=60,
            review=review,
            one_per_page=True,
            shuffle_options=True,
            created_at=WHEN,
        )
    )


def _reviews(conn) -> dict[int, str]:
    return dict(conn.execute(select(Quiz.id, Quiz.review)).all())


def test_the_review_check_widens_and_narrows_without_losing_a_row(backend, tmp_path):
    url = new_database(backend, tmp_path)
    config = alembic_config(url)
    try:
        command.upgrade(config, BEFORE)
        engine = make_engine({"DATABASE_URL": url})
        with engine.begin() as conn:
            # The users table as it stood before this revision: the model has grown since.
            users = table(
                "users",
                *(column(name) for name in ("id", "username", "name", "password_hash")),
                *(column(name) for name in ("role", "is_cadre", "active", "created_at")),
                *(column(name) for name in ("must_change_password", "is_floating")),
            )
            conn.execute(
                users.insert().values(
                    id=1,
                    username="dangyuan",
                    name="党员",
                    password_hash="",
                    role="member",
                    is_cadre=False,
                    active=True,
                    created_at=WHEN,
                    must_change_password=False,
                    is_floating=False,
                )
            )
            _quiz(conn, 1, "immediate")
            conn.execute(
                Attempt.__table__.insert().values(
                    id=1,
                    quiz_id=1,
                    user_id=1,
                    number=1,
                    preview=False,
                    state="finished",
                    started_at=WHEN,
                    finished_at=WHEN,
                    max_score=8,
                    score=3,
                    passed=False,
                )
            )
            conn.execute(
                ENTRIES.insert().values(
                    member_id=1,
                    kind="quiz",
                    source="online",
                    title="结业测验",
                    hours=0,
                    score=3,
                    max_score=8,
                    passed=False,
                    dedupe_key="attempt:1",
                    completed_at=WHEN,
                    recorded_at=WHEN,
                )
            )
        engine.dispose()

        command.upgrade(config, REVISION)
        engine = make_engine({"DATABASE_URL": url})
        with engine.begin() as conn:
            # Nothing cascaded away, nothing rewritten: the old quiz keeps its setting.
            assert _reviews(conn) == {1: "immediate"}
            assert conn.scalar(select(func.count()).select_from(Attempt.__table__)) == 1
            entry = conn.execute(
                select(ArchiveEntry.score, ArchiveEntry.quiz_id, ArchiveEntry.attempt_number)
            ).one()
            assert (entry.score, entry.quiz_id, entry.attempt_number) == (3, None, None)
            _quiz(conn, 2, "after_last")
        with pytest.raises(IntegrityError), engine.begin() as conn:
            _quiz(conn, 3, "whenever")
        with pytest.raises(IntegrityError), engine.begin() as conn:
            # Foreign keys still hold on the edited table.
            conn.execute(QuizSlot.__table__.insert().values(quiz_id=999, position=1, question_id=1))
        engine.dispose()

        command.downgrade(config, BEFORE)
        engine = make_engine({"DATABASE_URL": url})
        with engine.begin() as conn:
            assert _reviews(conn) == {1: "immediate", 2: "after_close"}
            assert conn.scalar(select(func.count()).select_from(Attempt.__table__)) == 1
        with pytest.raises(IntegrityError), engine.begin() as conn:
            _quiz(conn, 3, "after_last")
        engine.dispose()
    finally:
        drop_database(url)
