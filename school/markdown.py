"""The one Markdown -> safe HTML function. Every user- or author-written text goes through it.

Rendering is a pure function of the text, so results are cached: a quiz page shows the same
questions to hundreds of members.
"""

import threading
from functools import lru_cache

import markdown as _markdown
import nh3
from markupsafe import Markup

_EXTENSIONS = ["tables", "fenced_code", "footnotes", "sane_lists"]

_TAGS = {
    "p",
    "br",
    "hr",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "s",
    "del",
    "ins",
    "sub",
    "sup",
    "mark",
    "blockquote",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "code",
    "pre",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
    "img",
    "div",
    "span",
    "abbr",
}
_ATTRIBUTES = {
    "a": {"href", "title", "id"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
    "li": {"id"},
    "sup": {"id"},
    "abbr": {"title"},
}
# data: and javascript: are refused by leaving them out; relative URLs stay allowed.
_URL_SCHEMES = {"http", "https", "mailto"}
_CLASSES = {"div": {"footnote"}}
_CONFIG = {"footnotes": {"BACKLINK_TITLE": "返回正文第 %d 处"}}


_converters = threading.local()


def _converter() -> _markdown.Markdown:
    # Building a converter (its extensions, patterns and processors) cost as much as converting
    # a page of text; one per thread, reset between texts, since a converter keeps state (the
    # footnotes of the last text) and is not safe to share between threads.
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        converter = _markdown.Markdown(
            extensions=_EXTENSIONS, extension_configs=_CONFIG, output_format="html"
        )
        _converters.markdown = converter
    return converter


@lru_cache(maxsize=512)
def render(text: str) -> Markup:
    """Render Markdown to HTML that is safe to insert into a page."""
    return sanitise(_converter().reset().convert(text))


@lru_cache(maxsize=512)
def render_as(text: str, text_format: str) -> Markup:
    """Render text in the format it was written in: imported questions may be HTML or plain."""
    if text_format in ("html", "moodle"):
        return sanitise(text)
    if text_format == "plain":
        return Markup("<p>%s</p>") % text
    return render(text)


def sanitise(html: str) -> Markup:
    """Reduce HTML to the allow-list: no scripts, handlers, styles or dangerous URLs."""
    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        allowed_classes=_CLASSES,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above
