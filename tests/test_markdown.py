"""The one Markdown pipeline: useful formatting survives, scripts never do."""

import pytest

from school.markdown import render

XSS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src="x" onerror="alert(1)">',
    "<svg onload=alert(1)>",
    '<body onload="alert(1)">',
    '<iframe src="https://evil.example"></iframe>',
    '<a href="javascript:alert(1)">点我</a>',
    '<a href="JaVaScRiPt:alert(1)">点我</a>',
    '<a href="&#106;avascript:alert(1)">点我</a>',
    '<a href="jav&#x09;ascript:alert(1)">点我</a>',
    "[点我](javascript:alert(1))",
    "[点我](vbscript:msgbox(1))",
    "![图](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "[下载](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<style>body{display:none}</style>",
    '<form action="https://evil.example"><input name="p"></form>',
    '<object data="evil.swf"></object><embed src="evil.swf">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<p title="</p><script>alert(1)</script>">x</p>',
    "<<script>script>alert(1)<</script>/script>",
    '<a href="#" onclick="alert(1)">x</a>',
    '<details open ontoggle="alert(1)">x</details>',
    '<base href="https://evil.example/">',
]

FORBIDDEN = [
    "<script",
    "onerror",
    "onload",
    "onclick",
    "ontoggle",
    "javascript:",
    "vbscript:",
    "data:",
    "<iframe",
    "<style",
    "style=",
    "<form",
    "<object",
    "<embed",
    "<meta",
    "<base",
    "<svg",
]


@pytest.mark.parametrize("source", XSS)
def test_dangerous_markup_never_survives(source):
    html = str(render(source)).lower()
    for needle in FORBIDDEN:
        assert needle not in html, (needle, html)


def test_tables_code_and_footnotes_render():
    html = str(
        render(
            "| 项目 | 学时 |\n|---|---|\n| 讲座 | 4 |\n\n```\ncode\n```\n\n正文[^1]\n\n[^1]: 注释"
        )
    )
    assert "<table>" in html and "<td>讲座</td>" in html
    assert "<pre><code>code" in html
    assert 'class="footnote"' in html and "注释" in html


def test_safe_links_keep_their_target_and_get_rel():
    html = str(render("[党章](https://example.org/dangzhang)"))
    assert 'href="https://example.org/dangzhang"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_text_is_escaped_not_interpreted():
    assert "&lt;b&gt;" in str(render("`<b>`"))


def test_one_text_leaves_nothing_behind_for_the_next():
    # One converter per thread renders text after text: a footnote belongs to its own text only.
    first = render("正文[^1]。\n\n[^1]: 第一篇的脚注\n")
    second = render("另一篇，没有脚注。")
    assert "第一篇的脚注" in first
    assert "footnote" not in second and "第一篇的脚注" not in second
