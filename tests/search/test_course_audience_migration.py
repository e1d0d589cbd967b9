"""The migration that gives course questions the audience "course" rewrites the documents
already written and queues them for the Whoosh index; its downgrade puts them back."""

from alembic import command
from sqlalchemy import select

from school import create_app
from school.cli import alembic_config
from school.courses.models import Course
from school.db import db
from school.search.models import SearchDocument, SearchOutbox
from tests.conftest import app_config
from tests.databases import drop_database, new_database
from tests.factories import build_world
from tests.search.conftest import ask

BEFORE = "c9e4a2f7b1d6"


def _rows(app) -> tuple[list, set]:
    with app.app_context():
        docs = db.session.execute(
            select(SearchDocument.object_id, SearchDocument.audience, SearchDocument.org_path)
            .where(SearchDocument.kind == "ticket")
            .order_by(SearchDocument.object_id)
        ).all()
        queued = set(db.session.execute(select(SearchOutbox.kind, SearchOutbox.object_id)).all())
        db.session.rollback()
        return [tuple(d) for d in docs], queued


def test_course_questions_move_to_their_course_and_back(backend, tmp_path):
    url = new_database(backend, tmp_path)
    try:
        command.upgrade(alembic_config(url), "head")
        app = create_app(app_config(url, tmp_path))
        with app.app_context():
            build_world()
            rules = db.session.scalar(select(Course).where(Course.slug == "rules"))
            course_question = ask("member", "qa", "课程疑问", "请问学时", course=rules).id
            loose = ask("member", "qa", "私下提问", "请问学时").id
            rules_id = rules.id
            db.session.commit()
            db.session.execute(SearchOutbox.__table__.delete())
            db.session.commit()
        docs, _ = _rows(app)
        # A question without a course goes to the member's organisation and is left alone.
        untouched = docs[1]
        assert docs == [(course_question, "course", f"course:{rules_id}"), untouched]
        assert untouched[:2] == (loose, "staff")

        command.downgrade(alembic_config(url), BEFORE)
        docs, queued = _rows(app)
        assert docs == [(course_question, "instructors", None), untouched]
        assert queued == {("ticket", course_question)}

        command.upgrade(alembic_config(url), "head")
        docs, queued = _rows(app)
        assert docs == [(course_question, "course", f"course:{rules_id}"), untouched]
        assert queued == {("ticket", course_question)}
        app.extensions["school.db"].engine.dispose()
    finally:
        drop_database(url)
