"""A written document as an A4 PDF, with ReportLab and its built-in Chinese font.

``STSong-Light`` is one of the CID fonts every PDF reader carries (Adobe's Asian font
packs), so Chinese renders without shipping or embedding a font file (docs/decisions.md).
Every text that came from a user is escaped before it reaches ReportLab's paragraph markup.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from xml.sax.saxutils import escape

import qrcode
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Flowable, Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

BODY = ParagraphStyle("body", fontName=FONT, fontSize=12, leading=21, wordWrap="CJK", firstLineIndent=24)
PLAIN = ParagraphStyle("plain", parent=BODY, firstLineIndent=0)
CELL = ParagraphStyle("cell", parent=PLAIN, fontSize=10.5, leading=15)
SMALL_CELL = ParagraphStyle("small_cell", parent=CELL, fontSize=7.5, leading=10)
TITLE = ParagraphStyle("title", fontName=FONT, fontSize=20, leading=28, alignment=TA_CENTER,
                       textColor=colors.HexColor("#b91c1c"))
AUTHORITY = ParagraphStyle("authority", parent=PLAIN, fontSize=13, alignment=TA_CENTER)
NUMBER = ParagraphStyle("number", parent=PLAIN, fontSize=11, alignment=TA_RIGHT)


@dataclass
class Document:
    """What one document says; ``pdf.render`` lays it out the same way for every kind."""
    kind: str
    title: str
    number: str
    day: date
    authority: str
    addressee: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    rows: list[tuple[str, str]] = field(default_factory=list)
    table: list[list[str]] = field(default_factory=list)
    qr_url: str | None = None
    qr_caption: str = "扫码核验"
    seal: bytes | None = None
    landscape: bool = False

    @property
    def filename(self) -> str:
        return f"{self.title}-{self.number}.pdf".replace("/", "-")


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


class Signature(Flowable):
    """The authority's name and the date at the right, the seal (when uploaded) stamped over them."""

    def __init__(self, authority: str, day: date, seal: bytes | None, width: float) -> None:
        super().__init__()
        self.authority, self.day, self.seal = authority, day, seal
        self.width, self.height = width, 42 * mm

    def draw(self) -> None:
        c = self.canv
        c.setFont(FONT, 12)
        x = self.width - 10 * mm
        c.drawRightString(x, 22 * mm, self.authority)
        c.drawRightString(x, 14 * mm, chinese_date(self.day))
        if self.seal:
            size = 40 * mm
            c.drawImage(ImageReader(io.BytesIO(self.seal)), x - 45 * mm, 1 * mm, size, size, mask="auto",
                        preserveAspectRatio=True)


def _p(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _grid(rows: list[list[str]], widths: list[float]) -> Table:
    style = SMALL_CELL if len(widths) > 6 else CELL
    table = Table([[_p(c, style) for c in row] for row in rows], colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f3f4f6"))]))
    return table


def _qr(url: str, caption: str) -> Table:
    png = io.BytesIO()
    qrcode.make(url, box_size=8, border=2).save(png)
    png.seek(0)
    table = Table([[Image(png, 32 * mm, 32 * mm)], [_p(caption, CELL)]], hAlign="RIGHT")
    table.setStyle(TableStyle([("ALIGN", (0, 0), (-1, -1), "CENTER")]))
    return table


def _story(doc: Document) -> list:
    story: list = [_p(doc.authority, AUTHORITY), Spacer(1, 3 * mm), _p(doc.title, TITLE), Spacer(1, 2 * mm),
                   _p(doc.number, NUMBER), Spacer(1, 5 * mm)]
    if doc.addressee:
        story.append(_p(f"{doc.addressee}：", PLAIN))
    story += [_p(text) for text in doc.paragraphs]
    story += [_p(f"{i}. {item}", PLAIN) for i, item in enumerate(doc.items, 1)]
    if doc.rows:
        story += [Spacer(1, 4 * mm), _grid([[k, v or "—"] for k, v in doc.rows], [45 * mm, 125 * mm])]
    if doc.table:
        width = (257 if doc.landscape else 170) * mm / len(doc.table[0])
        story += [Spacer(1, 4 * mm), _grid(doc.table, [width] * len(doc.table[0]))]
    if doc.qr_url:
        story += [Spacer(1, 4 * mm), _qr(doc.qr_url, doc.qr_caption)]
    return story + [Spacer(1, 6 * mm), Signature(doc.authority, doc.day, doc.seal, (257 if doc.landscape else 170) * mm)]


def render(doc: Document) -> bytes:
    out = io.BytesIO()
    template = SimpleDocTemplate(out, pagesize=landscape(A4) if doc.landscape else A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
                                 bottomMargin=20 * mm, title=doc.title, author=doc.authority, subject=doc.number)
    template.build(_story(doc))
    return out.getvalue()
