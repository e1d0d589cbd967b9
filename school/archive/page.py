"""What features built on the archive add to a member's archive page (their certificates): see
``school/page_parts.py``. Parts take the viewer and the member whose archive it is."""

from school.page_parts import PageParts

archive_page = PageParts()
