"""What features built on the registry add to a member's page (the member card's state) and to
the member's own profile page (their settings there): see ``school/page_parts.py``. Parts take
the viewer and the member."""

from school.page_parts import PageParts

member_page = PageParts()
profile_page = PageParts()
