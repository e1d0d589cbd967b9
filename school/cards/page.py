"""What features built on the cards add to a member's electronic card (their honours): see
``school/page_parts.py``. Parts take the viewer and the card's holder."""

from school.page_parts import PageParts

card_page = PageParts()
