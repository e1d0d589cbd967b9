"""Lesson bodies are rendered once per worker and again after an edit, never served stale."""

from school.courses import bodies
from school.courses.bodies import RenderedBodies
from school.courses.models import Lesson
from school.db import db
from school.markdown import render
from tests.conftest import login
from tests.factories import make_course


def _counting(monkeypatch) -> list[str]:
    rendered: list[str] = []

    def fake(text):
        rendered.append(text)
        return render(text)

    monkeypatch.setattr(bodies, "render", fake)
    return rendered


def test_a_body_is_rendered_once_and_again_when_its_text_changes(monkeypatch):
    rendered = _counting(monkeypatch)
    cache = RenderedBodies()
    first = cache.html(1, "**正文**")
    assert first == render("**正文**")
    assert cache.html(1, "**正文**") is first and rendered == ["**正文**"]
    assert cache.html(1, "**改过的正文**") == render("**改过的正文**")
    assert cache.html(2, "**正文**") == first  # another lesson, its own place
    assert rendered == ["**正文**", "**改过的正文**", "**正文**"]


def test_the_least_recently_read_lesson_leaves_first(monkeypatch):
    rendered = _counting(monkeypatch)
    cache = RenderedBodies(size=2)
    cache.html(1, "一")
    cache.html(2, "二")
    cache.html(1, "一")  # read again: lesson 2 is now the oldest
    cache.html(3, "三")
    cache.html(1, "一")
    cache.html(2, "二")
    assert rendered == ["一", "二", "三", "二"]


def test_the_lesson_page_shows_an_edit_at_once(app, client, world, monkeypatch):
    monkeypatch.setattr(bodies, "lesson_bodies", RenderedBodies())
    monkeypatch.setattr("school.courses.views.lesson_bodies", bodies.lesson_bodies)
    with app.app_context():
        lesson = make_course("edited").lessons[0]
        lesson.body_md = "第一版 **正文**"
        db.session.commit()
        lesson_id = lesson.id
    login(client, "member")
    page = client.get("/courses/edited/one").get_data(as_text=True)
    assert "第一版 <strong>正文</strong>" in page
    with app.app_context():
        db.session.get(Lesson, lesson_id).body_md = "第二版 <script>x</script>"
        db.session.commit()
    page = client.get("/courses/edited/one").get_data(as_text=True)
    assert "第二版" in page and "第一版" not in page and "<script>x" not in page
