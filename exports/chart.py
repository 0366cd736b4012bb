"""The attendance chart: one horizontal bar per group (the share present over the last four
weeks), as small palette PNGs, in the reader's language.

Every group is drawn: past `MAX_BARS` groups the chart is split into several pictures of about
the same size, each titled "1/3", "2/3"... The groups needing attention come first (marked, and
their bars in another colour), then the lowest attendance first.

Text is drawn with Source Sans Pro, a TrueType font shipped by the `font-source-sans-pro`
package: it has every letter of Kirundi and French (é, è, É, ç, the dash and the ellipsis),
which Pillow's built-in font lacks. Pillow is imported only when a chart is asked for.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from math import ceil
from typing import TYPE_CHECKING

from locales import Translator
from models.clock import clock
from models.reports import GroupSummary

if TYPE_CHECKING:
    from PIL.ImageFont import FreeTypeFont

FONT_PACKAGE = "font_source_sans_pro"
FONT_FILE = "files/SourceSansPro-Regular.ttf"

MAX_BARS = 30
WIDTH = 640
ROW = 24
TOP = 64
MARGIN = 12
LABEL_WIDTH = 200
VALUE_WIDTH = 52
TITLE_SIZE = 19
TEXT_SIZE = 15

INK = "#222222"
MUTED = "#666666"
TRACK = "#eeeeee"
BAR = "#2a7ab0"
ATTENTION = "#d9822b"
# Few colours: a 4-bit palette keeps a picture of 30 bars at a few kilobytes.
COLOURS = 16


@dataclass(frozen=True)
class Texts:
    """What a chart says, in the reader's language."""

    title: str
    attention: str
    no_data: str


def texts(tr: Translator) -> Texts:
    return Texts(
        title=tr.pgettext("coordinator", "Attendance, last 4 weeks"),
        attention=tr.pgettext("coordinator", "Groups needing attention"),
        no_data=tr.pgettext("coordinator", "no data"),
    )


def title(tr: Translator, page: int, pages: int) -> str:
    """The title drawn on picture `page` of `pages` (and its caption): "…, 1/3"."""
    text = texts(tr).title
    return text if pages == 1 else f"{text} – {page}/{pages}"


def order(summaries: Sequence[GroupSummary]) -> list[GroupSummary]:
    """Groups needing attention first, then the lowest recent attendance first. A group without
    figures for the last four weeks comes first among those needing attention (nothing
    recorded is the worst sign), last among the others (not started, or meeting on its own)."""

    def key(s: GroupSummary) -> tuple[bool, float, str, int]:
        rate = s.recent_attendance
        if rate is None:
            rate = -1.0 if s.needs_attention else 2.0
        return (not s.needs_attention, rate, s.name.casefold(), s.id)

    return sorted(summaries, key=key)


def pages(summaries: Sequence[GroupSummary]) -> list[list[GroupSummary]]:
    """The groups in order, split into pictures of at most MAX_BARS, of about the same size."""
    ordered = order(summaries)
    if not ordered:
        return []
    count = ceil(len(ordered) / MAX_BARS)
    size = ceil(len(ordered) / count)
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


def attendance_charts(
    tr: Translator, summaries: Sequence[GroupSummary], *, day: date | None = None
) -> list[tuple[str, bytes]]:
    """(file name, PNG) of each picture; none when there is no group."""
    stamp = (day or clock.now().date()).isoformat()
    words = texts(tr)
    split = pages(summaries)
    charts = []
    for number, groups in enumerate(split, 1):
        name = f"attendance-{stamp}.png"
        if len(split) > 1:
            name = f"attendance-{stamp}-{number}-of-{len(split)}.png"
        charts.append((name, _draw(words, title(tr, number, len(split)), groups)))
    return charts


def font_file() -> Traversable:
    """The TrueType file the charts are drawn with."""
    return files(FONT_PACKAGE).joinpath(FONT_FILE)


@cache
def _font(size: int) -> FreeTypeFont:
    from PIL import ImageFont

    return ImageFont.truetype(io.BytesIO(font_file().read_bytes()), size)


def _fitted(text: str, font: FreeTypeFont, width: float) -> str:
    """The text, cut with an ellipsis to fit the width; composed (NFC) so that a letter typed
    with a combining accent is the font's accented letter."""
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _draw(words: Texts, heading: str, groups: Sequence[GroupSummary]) -> bytes:
    from PIL import Image, ImageDraw

    big, small = _font(TITLE_SIZE), _font(TEXT_SIZE)
    height = TOP + ROW * len(groups) + MARGIN
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((MARGIN, 8), _fitted(heading, big, WIDTH - 2 * MARGIN), fill=INK, font=big)
    if any(g.needs_attention for g in groups):
        draw.rectangle((MARGIN, 40, MARGIN + 10, 50), fill=ATTENTION)
        draw.text((MARGIN + 16, 36), words.attention, fill=MUTED, font=small)
    x0 = LABEL_WIDTH
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH - MARGIN
    for i, group in enumerate(groups):
        y = TOP + i * ROW
        if group.needs_attention:
            draw.rectangle((MARGIN, y + 7, MARGIN + 6, y + ROW - 7), fill=ATTENTION)
        name = _fitted(group.name, small, LABEL_WIDTH - MARGIN - 16 - 8)
        draw.text((MARGIN + 12, y + 2), name, fill=INK, font=small)
        draw.rectangle((x0, y + 4, x0 + span, y + ROW - 4), fill=TRACK)
        rate = group.recent_attendance
        if rate is None:
            draw.text((x0 + 6, y + 2), words.no_data, fill=MUTED, font=small)
            continue
        colour = ATTENTION if group.needs_attention else BAR
        draw.rectangle((x0, y + 4, x0 + round(span * rate), y + ROW - 4), fill=colour)
        draw.text((x0 + span + 8, y + 2), f"{round(rate * 100)}%", fill=INK, font=small)
    out = io.BytesIO()
    palette = image.convert("P", palette=Image.Palette.ADAPTIVE, colors=COLOURS)
    palette.save(out, "PNG", optimize=True)
    return out.getvalue()
