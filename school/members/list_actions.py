"""What features built on the registry add to the staff's member list (actions on the members
ticked there or on everyone the filters match): see ``school/page_parts.py``. Parts take the
staff member viewing and the list's ``MemberFilter``."""

from school.page_parts import PageParts

member_list = PageParts()
