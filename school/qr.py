"""QR codes for links this site prints: on screens (SVG) and in PDF files (PNG)."""

import io

import qrcode
import qrcode.image.svg
from markupsafe import Markup, escape


def svg(url: str, label: str) -> Markup:
    """The URL as an inline SVG QR code (paths only: no text, no links, nothing fetched)."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, border=4)
    text = image.to_string(encoding="unicode")
    if text.startswith("<?xml"):
        text = text[text.index("?>") + 2 :].lstrip()
    text = text.replace("<svg ", f'<svg class="qr" role="img" aria-label="{escape(label)}" ', 1)
    # Made here from path data and an escaped label, never from raw user text: safe as is.
    return Markup(text)  # noqa: S704


def png(url: str) -> bytes:
    """The URL as a black-on-white PNG QR code, for documents that embed images."""
    buffer = io.BytesIO()
    qrcode.make(url, border=2).save(buffer, format="PNG")
    return buffer.getvalue()


def symbol(url: str, symbol_id: str) -> Markup:
    """The URL's QR code defined once as an SVG ``<symbol>``, for pages that print it many times
    (``<svg><use href="#id"/></svg>`` each): one copy of the path data instead of one per use."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, border=4)
    text = image.to_string(encoding="unicode")
    view_box = text.split('viewBox="', 1)[1].split('"', 1)[0]
    body = text[text.index(">", text.index("<svg")) + 1 : text.rindex("</svg>")]
    # Path data made here and an id chosen by the caller's template, never user text.
    return Markup(  # noqa: S704
        '<svg class="qr-defs" aria-hidden="true" focusable="false" width="0" height="0">'
        f'<symbol id="{escape(symbol_id)}" viewBox="{escape(view_box)}">{body}</symbol></svg>'
    )
