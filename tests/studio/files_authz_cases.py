"""Authorization matrix cases for the studio's course files (collected by tests/test_authz.py).

A course's files are managed by its own instructors and admins: other roles get 403 on a course
they can see and 404 on a draft they cannot. The world's instructor teaches "draft-course"
(tests/studio/authz_cases.py makes them its instructor). A file is served to whoever may see
its course. Posts without a file bring the form back (200); what an upload does is tested in
tests/studio/test_files.py.
"""

from __future__ import annotations

import io

from sqlalchemy import select

from school.auth.models import User
from school.courses.models import Course
from school.db import db
from school.studio import files
from tests.factories import World, make_course
from tests.studio import samples

OWN = {"anonymous": 302, "instructor": 200, "admin": 200, "*": 403}
DRAFT = {"anonymous": 302, "instructor": 200, "admin": 200, "*": 404}
LIMITS = {"image": 5 << 20, "document": 50 << 20, "video": 500 << 20}

CASES: list = [
    ("GET", "/studio/courses/{studio_course}/files", OWN),
    ("POST", "/studio/courses/{studio_course}/files", OWN),
    ("POST", "/studio/courses/{studio_course}/docx", OWN),
    (
        "POST",
        "/studio/courses/{studio_course}/files/{studio_spare}/delete",
        {"anonymous": 302, "instructor": 302, "admin": 302, "*": 403},
    ),
    ("GET", "/studio/courses/draft-course/files", DRAFT),
    ("POST", "/studio/courses/draft-course/files", DRAFT),
    ("POST", "/studio/courses/draft-course/docx", DRAFT),
    ("GET", "/studio/courses/no-such-course/files", {"anonymous": 302, "*": 404}),
    ("GET", "/files/{studio_image}", {"anonymous": 302, "*": 200}),
    (
        "GET",
        "/files/{draft_document}",
        {"anonymous": 302, "instructor": 200, "admin": 200, "*": 404},
    ),
    ("GET", "/files/no-such-file.png", {"anonymous": 302, "*": 404}),
]


def objects(world: World, tmp_path) -> dict[str, int | str]:
    """A published course of the world's instructor with an image and a spare PDF, and a PDF in
    the draft course."""
    folder = tmp_path / "media"
    instructor = db.session.get(User, world.instructor)
    course = make_course("studio-files")
    course.instructors.append(instructor)
    draft = db.session.scalar(select(Course).where(Course.slug == "draft-course"))

    def store(target, data: bytes, name: str) -> files.CourseFile:
        return files.store_file(target, instructor, io.BytesIO(data), name, folder, LIMITS)

    return {
        "studio_course": course.slug,
        "studio_image": store(course, samples.image("PNG"), "a.png").stored_name,
        "studio_spare": store(course, samples.pdf(), "b.pdf").id,
        "draft_document": store(draft, samples.pdf(), "c.pdf").stored_name,
    }
