"""Word documents built by hand for the tests: the few OOXML parts mammoth reads, zipped."""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
MACRO_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NAMESPACES = (
    f'xmlns:w="{_W}" xmlns:r="{_R}" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)
_IMAGE_REL = f"{_R}/image"
_LINK_REL = f"{_R}/hyperlink"

_STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="{_W}">
  <w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/></w:style>
  <w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/></w:style>
  <w:style w:type="paragraph" w:styleId="Fancy"><w:name w:val="花式段落"/></w:style>
</w:styles>"""

_NUMBERING = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:numbering xmlns:w="{_W}">
  <w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/></w:lvl>
  </w:abstractNum>
  <w:abstractNum w:abstractNumId="1"><w:lvl w:ilvl="0"><w:numFmt w:val="decimal"/></w:lvl>
  </w:abstractNum>
  <w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
  <w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>
</w:numbering>"""


def run(text: str, *, bold: bool = False, italic: bool = False) -> str:
    props = ("<w:b/>" if bold else "") + ("<w:i/>" if italic else "")
    rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def paragraph(*runs: str, style: str | None = None, numbered: int | None = None) -> str:
    props = f'<w:pStyle w:val="{style}"/>' if style else ""
    if numbered is not None:
        props += f'<w:numPr><w:ilvl w:val="0"/><w:numId w:val="{numbered}"/></w:numPr>'
    ppr = f"<w:pPr>{props}</w:pPr>" if props else ""
    return f"<w:p>{ppr}{''.join(runs)}</w:p>"


def heading(text: str, level: int = 1) -> str:
    return paragraph(run(text), style=f"Heading{level}")


def bullet(text: str) -> str:
    return paragraph(run(text), numbered=1)


def table(rows: list[list[str]]) -> str:
    cells = "".join(
        "<w:tr>" + "".join(f"<w:tc>{paragraph(run(cell))}</w:tc>" for cell in row) + "</w:tr>"
        for row in rows
    )
    return f"<w:tbl>{cells}</w:tbl>"


def link(text: str, rel_id: str) -> str:
    return paragraph(f'<w:hyperlink r:id="{rel_id}">{run(text)}</w:hyperlink>')


def image(rel_id: str, alt: str = "") -> str:
    return paragraph(
        "<w:r><w:drawing><wp:inline>"
        f'<wp:docPr id="1" name="图片" descr="{escape(alt)}"/>'
        '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
        f'<pic:pic><pic:blipFill><a:blip r:embed="{rel_id}"/></pic:blipFill></pic:pic>'
        "</a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
    )


def unknown(text: str) -> str:
    """An element mammoth does not know, holding text."""
    return paragraph(f"<w:r><w:pict><w:unknownThing>{escape(text)}</w:unknownThing></w:pict></w:r>")


def text_box(text: str, *, fallback: bool = True) -> str:
    """A text box as Word writes it: a drawing, and (usually) a VML shape with the same text."""
    inner = f"<w:txbxContent>{paragraph(run(text))}</w:txbxContent>"
    choice = (
        f'<mc:Choice Requires="wps"><w:drawing><wps:txbx>{inner}</wps:txbx></w:drawing></mc:Choice>'
    )
    plain = (
        f"<mc:Fallback><w:pict><v:shape><v:textbox>{inner}</v:textbox></v:shape></w:pict>"
        "</mc:Fallback>"
    )
    return paragraph(
        f"<w:r><mc:AlternateContent>{choice}{plain if fallback else ''}</mc:AlternateContent></w:r>"
    )


def docx(
    body: str,
    *,
    images: dict[str, tuple[str, bytes]] | None = None,
    links: dict[str, str] | None = None,
    extra: dict[str, bytes] | None = None,
    main_type: str = MAIN,
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """A .docx with body (paragraph XML) and, by relationship id, images and external links."""
    rels = "".join(
        f'<Relationship Id="{rid}" Type="{_IMAGE_REL}" Target="media/{name}"/>'
        for rid, (name, _) in (images or {}).items()
    ) + "".join(
        f'<Relationship Id="{rid}" Type="{_LINK_REL}" Target="{escape(url)}" '
        'TargetMode="External"/>'
        for rid, url in (links or {}).items()
    )
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Default Extension="png" ContentType="image/png"/>'
        '<Default Extension="emf" ContentType="image/x-emf"/>'
        f'<Override PartName="/word/document.xml" ContentType="{main_type}"/>'
        "</Types>"
    )
    package_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
    )
    document_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rIdStyles" Type="{_R}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rIdNumbering" Type="{_R}/numbering" Target="numbering.xml"/>'
        f"{rels}</Relationships>"
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f"<w:document {_NAMESPACES}><w:body>{body}</w:body></w:document>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", package_rels)
        archive.writestr("word/_rels/document.xml.rels", document_rels)
        archive.writestr("word/document.xml", document)
        archive.writestr("word/styles.xml", _STYLES)
        archive.writestr("word/numbering.xml", _NUMBERING)
        for name, data in (images or {}).values():
            archive.writestr(f"word/media/{name}", data)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()
