"""What features built on the registry add to a member's page (the member card's state): see
``school/page_parts.py``. Parts take the staff member viewing and the member."""

from school.page_parts import PageParts

member_page = PageParts()
