"""A search query is as long as the box allows, and so its address fits in a request line.

gunicorn answers a request line over --limit-request-line (4094 bytes by default) with a bare 414
page of its own that the site cannot replace (README, deployment). The box stops at QUERY_MAX
characters; the server refuses a longer query in Chinese, whatever sent it.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit

from school.search.service import QUERY_MAX
from tests.conftest import login

GUNICORN_REQUEST_LINE = 4094  # gunicorn's default --limit-request-line, kept in production
LONGEST = "党" * QUERY_MAX  # 3 bytes in UTF-8, 9 once percent-encoded: the longest address


def _request_line(path_and_query: str) -> int:
    return len(f"GET {path_and_query} HTTP/1.1".encode())


def test_the_header_box_stops_at_the_length_the_search_accepts(client, world):
    login(client, "member")
    for url in ("/", "/search/?q=党员"):
        html = client.get(url).get_data(as_text=True)
        box = re.search(r'<input id="site-search-q"[^>]*>', html).group(0)
        assert f'maxlength="{QUERY_MAX}"' in box, url


def test_the_longest_search_fits_in_a_request_line_even_through_the_login_page(client, world):
    target = "/search/?" + urlencode({"q": LONGEST, "kind": "thread", "page": 500})
    assert _request_line(target) < GUNICORN_REQUEST_LINE // 4

    # Logged out, the address comes back inside the login page's own (encoded once more).
    response = client.get(target)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert _request_line(f"{location.path}?{location.query}") < GUNICORN_REQUEST_LINE // 2

    login(client, "member")
    assert client.get(target).status_code == 200


def test_a_query_longer_than_the_box_is_refused_in_chinese_on_every_backend(
    search_backend, client, world
):
    login(client, "member")
    for query in (LONGEST + "员", "党员" * 1000, "党\x00员" * 40):
        response = client.get("/search/", query_string={"q": query})
        html = response.get_data(as_text=True)
        assert response.status_code == 200, query[:10]
        assert "搜索内容太长了" in html and "search-results" not in html
