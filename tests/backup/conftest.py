"""A small school with a bit of everything, files beside it, and a row-by-row reading of it all."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from flask import Flask
from sqlalchemy import Column, MetaData, String, Table, inspect, select

import school.models  # noqa: F401  (every table on the metadata)
from school.archive.services import append_offline
from school.auth.models import User
from school.courses import services as courses
from school.db import Base, db, make_engine
from school.forum import services as forum
from tests.factories import build_world
from tests.quizzes import factories as quizzes

FILES = {
    "media/rules/讲座.mp4": b"\x00\x01video" * 100,
    "media/rules/slides.pdf": b"%PDF-1.7 slides",
    "uploads/forum/图片.png": b"\x89PNG image",
    "uploads/pending/questions.xlsx": b"PK spreadsheet",
}


def build_school(app: Flask) -> None:
    """Accounts and organisations, study in the archive, a quiz of every type, a board item."""
    with app.app_context():
        world = build_world()
        member = db.session.get(User, world.member)
        secretary = db.session.get(User, world.secretary)
        lesson = courses.get_lesson(courses.get_course(world.course), "one")
        courses.complete_lesson(member, lesson)
        append_offline(
            member,
            title="春节返乡培训班",
            hours=Decimal("4.5"),
            completed_at=datetime(2026, 2, 1, 9, tzinfo=UTC),
            recorded_by=secretary,
        )
        questions = [quizzes.single(), quizzes.multiple(), quizzes.matching(), quizzes.essay()]
        quizzes.make_quiz(questions)
        forum.create_thread(
            member, forum.NewThread("qa", "党费怎么交", "在外地务工，党费可以线上交纳吗？")
        )
        db.session.commit()


def write_files(root: Path) -> None:
    for name, body in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)


def read_files(root: Path) -> dict[str, bytes]:
    """Every file under media/ and uploads/, by relative path."""
    return {
        str(path.relative_to(root)): path.read_bytes()
        for folder in ("media", "uploads")
        for path in sorted((root / folder).rglob("*"))
        if path.is_file()
    }


def _tables() -> list[Table]:
    alembic = Table("alembic_version", MetaData(), Column("version_num", String, primary_key=True))
    return [*Base.metadata.sorted_tables, alembic]


def read_rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table in the metadata and of alembic_version, in primary-key order."""
    engine = make_engine({"DATABASE_URL": url})
    try:
        with engine.connect() as conn:
            rows = {}
            for tbl in _tables():
                order = list(tbl.primary_key) or list(tbl.columns)
                rows[tbl.name] = [tuple(r) for r in conn.execute(select(tbl).order_by(*order))]
            return rows
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = make_engine({"DATABASE_URL": url})
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def repack(source: Path, target: Path, change: Callable[[dict], None]) -> Path:
    """A copy of an archive whose manifest has been edited by ``change``."""
    with tarfile.open(source, "r:gz") as old, tarfile.open(target, "w:gz") as new:
        for member in old:
            data = old.extractfile(member).read() if member.isfile() else None
            if member.name == "manifest.json":
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest).encode()
                member.size = len(data)
            new.addfile(member, io.BytesIO(data) if data is not None else None)
    return target
