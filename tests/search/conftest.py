"""Search fixtures: an index of its own per test, and the search tests run on every backend."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from school.auth.models import User
from school.db import db
from school.forum import services as forum
from school.search import service


@pytest.fixture
def config_overrides(tmp_path) -> dict:
    return {"SEARCH_INDEX_DIR": str(tmp_path / "search-index")}


@pytest.fixture(scope="session")
def search_backend(request) -> str:
    """The search backend of this run of the test (pairs with the database: tests/conftest.py)."""
    return request.param


@pytest.fixture(autouse=True)
def _use_search_backend(request) -> None:
    """Point the app at the test's search backend before anything in it searches."""
    if "search_backend" in request.fixturenames:
        app = request.getfixturevalue("app")
        app.config["SEARCH_BACKEND"] = request.getfixturevalue("search_backend")


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def find(app: Flask, username: str, query: str, **kwargs) -> service.Results:
    """Search as a user, in a short app context of its own."""
    with app.app_context():
        return service.search(user(username), query, **kwargs)


def shown(results: service.Results) -> str:
    """Everything a results page shows of the hits."""
    return " ".join(f"{h.title} {h.snippet} {h.url}" for h in results.hits)


def ask(username: str, board: str, title: str, body: str, **kwargs):
    """File a board item as a user (inside an app context; the caller commits)."""
    return forum.create_thread(
        user(username), forum.NewThread(board=board, title=title, body=body, **kwargs)
    )
