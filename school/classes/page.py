"""What features built on classes add to a class's staff page (the certificates it gave): see
``school/page_parts.py``. Parts take the staff member viewing and the class."""

from school.page_parts import PageParts

staff_page_parts = PageParts()
