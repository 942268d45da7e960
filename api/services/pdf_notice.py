"""The printed notice (開催通知) for attendees notified by post: one A4 page, Japanese.

ReportLab's built-in CID fonts (HeiseiMin-W3 for the letter, HeiseiKakuGo-W5 for the title)
need no font file: the PDF names the font and the viewer supplies a Japanese font. Page streams
are left uncompressed: the document is small, and its text stays searchable as written.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

if TYPE_CHECKING:  # notices imports this module to render its Notice
    from api.services.notices import Notice

MINCHO = "HeiseiMin-W3"
GOTHIC = "HeiseiKakuGo-W5"
BODY_SIZE = 10.5
LEADING = 1.6

PAGE_WIDTH, PAGE_HEIGHT = A4
LEFT = 25 * mm
RIGHT = PAGE_WIDTH - 20 * mm
TOP = PAGE_HEIGHT - 20 * mm
BOTTOM = 20 * mm
ADDRESS_WIDTH = 90 * mm  # the window of a 長形3号 envelope

# A line may not start with these (禁則): they stay at the end of the line before.
NO_LINE_START = frozenset(
    "、。，．）」』】〕，.,)!?！？ー・：；ゝゞ々ぁぃぅぇぉっゃゅょァィゥェォッャュョ"
)

for _font in (MINCHO, GOTHIC):
    if _font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(_font))


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Break Japanese text into lines that fit ``width``, character by character."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for ch in paragraph:
            if (
                line
                and ch not in NO_LINE_START
                and pdfmetrics.stringWidth(line + ch, font, size) > width
            ):
                lines.append(line)
                line = ""
            line += ch
        lines.append(line)
    return lines


class _Page:
    """A cursor down the page; a new page starts when the next block does not fit."""

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self.y = TOP

    def _room(self, height: float) -> None:
        if self.y - height < BOTTOM:
            self.canvas.showPage()
            self.y = TOP

    def gap(self, lines: float = 1) -> None:
        self.y -= BODY_SIZE * LEADING * lines

    def line(
        self, text: str, *, size: float = BODY_SIZE, font: str = MINCHO, align: str = "left"
    ) -> None:
        self._room(size * LEADING)
        self.y -= size * LEADING
        self.canvas.setFont(font, size)
        if align == "right":
            self.canvas.drawRightString(RIGHT, self.y, text)
        elif align == "center":
            self.canvas.drawCentredString((LEFT + RIGHT) / 2, self.y, text)
        else:
            self.canvas.drawString(LEFT, self.y, text)

    def paragraph(
        self,
        text: str,
        *,
        size: float = BODY_SIZE,
        font: str = MINCHO,
        indent: float = 0,
        hanging: str = "",
        width: float = RIGHT - LEFT,
        align: str = "left",
    ) -> None:
        """Wrapped text; ``hanging`` is printed before the first line and indents the rest."""
        lead = pdfmetrics.stringWidth(hanging, font, size)
        lines = wrap(text, font, size, width - indent - lead)
        for i, text_line in enumerate(lines):
            self._room(size * LEADING)
            self.y -= size * LEADING
            self.canvas.setFont(font, size)
            if align == "center":
                self.canvas.drawCentredString((LEFT + RIGHT) / 2, self.y, text_line)
                continue
            if i == 0 and hanging:
                self.canvas.drawString(LEFT + indent, self.y, hanging)
            self.canvas.drawString(LEFT + indent + lead, self.y, text_line)

    def boxed(self, heading: str, texts: tuple[str, ...]) -> None:
        """A framed block (the confidentiality reminder), kept on one page."""
        pad = 3 * mm
        width = RIGHT - LEFT - 2 * pad
        lines = [heading] + [ln for t in texts for ln in wrap(t, MINCHO, BODY_SIZE, width)]
        height = len(lines) * BODY_SIZE * LEADING + 2 * pad
        self._room(height)
        top = self.y
        self.y -= pad
        for i, text_line in enumerate(lines):
            self.y -= BODY_SIZE * LEADING
            self.canvas.setFont(GOTHIC if i == 0 else MINCHO, BODY_SIZE)
            self.canvas.drawString(LEFT + pad, self.y, text_line)
        self.y -= pad
        self.canvas.rect(LEFT, self.y, RIGHT - LEFT, top - self.y, stroke=1, fill=0)


def render_notice_pdf(notice: Notice) -> bytes:
    """The notice as an A4 PDF: the postal address in the envelope window, then the letter."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=0)
    canvas.setTitle(notice.title)
    canvas.setSubject(notice.kind_label)
    canvas.setAuthor(notice.organiser)
    canvas.setCreator("Tsunagu つなぐ")
    page = _Page(canvas)

    page.line(notice.issued_on, align="right")
    page.gap(0.5)
    if notice.postal_address:
        page.paragraph(notice.postal_address, width=ADDRESS_WIDTH)
        page.gap(0.5)
    if notice.addressee_name:
        page.paragraph(notice.addressee_org, width=ADDRESS_WIDTH)
        page.paragraph(f"{notice.addressee_name} 様", size=13, width=ADDRESS_WIDTH)
    else:
        page.paragraph(f"{notice.addressee_org} 御中", size=13, width=ADDRESS_WIDTH)
    page.gap()
    page.line(notice.organiser, align="right")
    page.gap(1.5)
    page.paragraph(notice.title, size=15, font=GOTHIC, align="center")
    page.gap()
    for text in notice.opening:
        page.paragraph(text, hanging="\u3000")
    page.gap()
    page.line("記", align="center")
    page.gap(0.5)
    for number, (heading, value) in enumerate(notice.items, start=1):
        page.paragraph(value, hanging=f"{number}\u3000{heading}\u3000", indent=BODY_SIZE)
        page.gap(0.3)
    for note in notice.notes:
        page.gap(0.3)
        page.paragraph(note, hanging="※\u3000", indent=BODY_SIZE)
    if notice.confidentiality:
        page.gap()
        page.boxed("守秘義務について", notice.confidentiality)
    page.gap()
    page.line("以上", align="right")
    if notice.contact:
        page.gap()
        page.line(f"問合せ先　{notice.contact}", align="right")

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
