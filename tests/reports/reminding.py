"""Going through the reminder pages as a secretary does: compose, preview, confirm."""

from __future__ import annotations

import re
from html import unescape

_FORM = re.compile(r'<form method="post" action="([^"]*/overdue/remind)">(.*?)</form>', re.S)
_INPUT = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def confirm_fields(html: str) -> list[tuple[str, str]]:
    """The hidden fields of the compose page's confirm form (raises if there is none)."""
    match = _FORM.search(html)
    assert match, "no confirm form on the page"
    return [(name, unescape(value)) for name, value in _INPUT.findall(match.group(2))]


def compose(client, org_id: int, **query):
    """The compose page (preview) for these query values."""
    return client.get(f"/reports/{org_id}/overdue/remind", query_string=query)


def confirm(client, org_id: int, fields: list[tuple[str, str]], **kwargs):
    """Submit a confirm form's fields as the browser would (the csrf_token among them)."""
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return client.post(f"/reports/{org_id}/overdue/remind", data=data, **kwargs)


def remind_all(client, org_id: int, **query):
    """Preview everyone on the filtered list with the default message, then confirm."""
    page = compose(client, org_id, scope="all", **query)
    assert page.status_code == 200
    return confirm(client, org_id, confirm_fields(page.get_data(True)), follow_redirects=True)
