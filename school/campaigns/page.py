"""What features built on campaigns add to a campaign's staff page (the certificates it gave):
see ``school/page_parts.py``. Parts take the staff member viewing and the campaign."""

from school.page_parts import PageParts

detail_page_parts = PageParts()
