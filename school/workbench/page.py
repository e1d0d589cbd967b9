"""What the workbench shows: counts that higher features register from ``create_app``.

Each part is a function of the staff member and today's local date returning
``{name: page_parts.Tally}``: a count of what waits for them, how many of those are overdue, and
the list behind it. The workbench knows none of the features that fill it.
"""

from __future__ import annotations

from school.page_parts import PageParts

workbench_page = PageParts()
