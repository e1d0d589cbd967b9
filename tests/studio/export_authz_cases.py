"""Authorization matrix cases for downloading a course's folder from the studio (collected by
tests/test_authz.py).

A course's own instructors and admins download it; everyone else who may see the course is
refused (403), and a draft stays hidden (404) from those who may not see it at all. The courses
are this file's own, so that what other features do to the world's courses cannot change the
answers. What the zip holds is tested in tests/studio/test_export_views.py.
"""

from school.auth.models import User
from school.db import db
from tests.factories import World, make_course

CASES: list = [
    (
        "GET",
        "/studio/courses/export-taught/export.zip",
        {"anonymous": 302, "instructor": 200, "admin": 200, "*": 403},
    ),
    ("GET", "/studio/courses/export-other/export.zip", {"anonymous": 302, "admin": 200, "*": 403}),
    (
        "GET",
        "/studio/courses/export-draft/export.zip",
        {"anonymous": 302, "instructor": 403, "admin": 200, "*": 404},
    ),
    ("GET", "/studio/courses/no-such-course/export.zip", {"anonymous": 302, "*": 404}),
]


def objects(world: World, tmp_path) -> dict:
    """A course the matrix's instructor teaches, a published and a draft course they do not."""
    make_course("export-taught").instructors = [db.session.get(User, world.instructor)]
    make_course("export-other")
    make_course("export-draft", status="draft")
    return {}
