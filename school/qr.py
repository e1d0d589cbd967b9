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
