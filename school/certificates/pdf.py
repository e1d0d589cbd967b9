"""A certificate as a PDF file: A4 landscape, the font embedded (only the characters used).

fpdf2 writes the file; the font is a system font with Chinese characters (``CERTIFICATE_FONT``,
else the first found of ``SYSTEM_FONTS``), so that every phone's PDF viewer shows the same
text. Without such a font there is no PDF: the printable page prints from the browser.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align

from school import qr
from school.certificates.models import Certificate
from school.formatting import format_hours, long_date

# (file, face in a collection): Simplified Chinese faces of fonts that Linux distributions,
# Windows and macOS install. Noto CJK collections hold JP, KR, SC, TC: SC is face 2.
SYSTEM_FONTS = (
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
    ("C:/Windows/Fonts/simsun.ttc", 0),
    ("/Library/Fonts/Arial Unicode.ttf", 0),
)
# Chinese typesetting keeps these off the start of a line (they hang at the end of the last).
NO_LINE_START = set("，。、；：！？）》」』”’…")
RED = (178, 34, 34)
INK = (33, 33, 33)


def _configured(setting: str) -> tuple[str, int] | None:
    path, _, face = setting.partition("#")
    if not Path(path).is_file():
        return None
    return path, int(face) if face.isdigit() else 0


@cache
def font_for(setting: str) -> tuple[str, int] | None:
    """The font file and face to embed, or None when this machine has none with Chinese."""
    if setting:
        return _configured(setting)
    return next(((path, face) for path, face in SYSTEM_FONTS if Path(path).is_file()), None)


def _lines(pdf: FPDF, text: str, width: float) -> list[str]:
    """``text`` broken into lines of at most ``width`` (the first indented by two characters),
    character by character as Chinese is, never starting a line with closing punctuation."""
    lines, line = [], ""
    room = width - pdf.get_string_width("　　")
    for char in text:
        if line and pdf.get_string_width(line + char) > room and char not in NO_LINE_START:
            lines.append(line)
            line, room = "", width
        line += char
    return [*lines, line] if line else lines


def render(certificate: Certificate, verify_url: str, font: tuple[str, int]) -> bytes:
    """The certificate's PDF: title, the member, what was completed, 学时, the issuer and
    date, and the verification code with its QR; a revoked one is stamped 已撤销."""
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_title(f"{certificate.kind_label} {certificate.printed_code}")
    pdf.set_creator("网上党校")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    path, face = font
    pdf.add_font("cjk", "", path, collection_font_number=face)
    width, height = pdf.w, pdf.h

    pdf.set_draw_color(*RED)
    pdf.set_line_width(1.6)
    pdf.rect(10, 10, width - 20, height - 20)
    pdf.set_line_width(0.4)
    pdf.rect(14, 14, width - 28, height - 28)

    pdf.set_text_color(*RED)
    pdf.set_font("cjk", size=36)
    pdf.set_xy(0, 32)
    pdf.cell(width, 18, certificate.kind_label, align=Align.C)

    pdf.set_text_color(*INK)
    pdf.set_font("cjk", size=20)
    pdf.set_xy(40, 66)
    pdf.cell(width - 80, 12, f"{certificate.member_name} 同志：")
    body = (
        f"于 {long_date(certificate.completed_on)}完成{certificate.source_label}"
        f"《{certificate.title}》的学习，{certificate.detail}，"
        f"计 {format_hours(certificate.hours)} 学时。特发此证。"
    )
    # A long title (up to 200 characters) takes a smaller size, clear of the QR below.
    for size, leading in ((16, 11), (12, 8), (10, 6.5)):
        pdf.set_font("cjk", size=size)
        lines = _lines(pdf, body, width - 104)
        if len(lines) * leading <= 48:
            break
    for number, line in enumerate(lines):
        pdf.set_xy(52 if number else 52 + pdf.get_string_width("　　"), 84 + number * leading)
        pdf.cell(width - 104, leading, line)

    pdf.set_font("cjk", size=16)
    pdf.set_xy(width - 150, height - 62)
    pdf.cell(110, 10, certificate.issuer_name, align=Align.R)
    pdf.set_xy(width - 150, height - 50)
    pdf.cell(110, 10, long_date(certificate.issued_at), align=Align.R)

    pdf.image(io.BytesIO(qr.png(verify_url)), x=26, y=height - 72, w=40, h=40)
    pdf.set_font("cjk", size=10)
    pdf.set_xy(70, height - 58)
    pdf.cell(120, 6, f"验证码：{certificate.printed_code}")
    pdf.set_xy(70, height - 51)
    pdf.cell(120, 6, "扫描二维码或访问下列网址核验：")
    pdf.set_xy(70, height - 44)
    pdf.cell(120, 6, verify_url)

    if certificate.is_revoked:
        pdf.set_text_color(*RED)
        pdf.set_font("cjk", size=64)
        with pdf.rotation(20, x=width / 2, y=height / 2):
            pdf.set_xy(0, height / 2 - 16)
            pdf.cell(width, 32, "已撤销", align=Align.C)
    try:
        return bytes(pdf.output())
    finally:
        release_fonts(pdf)


def release_fonts(pdf: FPDF) -> None:
    """Close the document's font files: fontTools reads them lazily and keeps them open."""
    for embedded in pdf.fonts.values():
        if hasattr(embedded, "ttfont"):
            embedded.ttfont.close()
