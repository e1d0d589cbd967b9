"""What features built on courses add to a course page (its quizzes, its FAQ): see
``school/page_parts.py``. Parts take the member and the course."""

from school.page_parts import PageParts

course_page = PageParts()
