"""The attendance chart, read back: what is drawn on it (every string, in the reader's language,
with a font that has every character), the order of the groups, and every group covered."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

import pytest
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw

from conversations.coordinator import screens
from exports import chart
from locales import translator
from models.reports import GroupSummary

DAY = date(2026, 11, 25)
# Names as coordinators type them: Kirundi and French letters, apostrophes, dashes, and one
# too long for its column (cut with an ellipsis) and one typed with a combining accent.
NAMES = [
    "Amahoro",
    "Ubumwe",
    "Twisungane b’i Gitega",
    "Abakenyezi bâ Kabuye",
    "Espérance – Giheta",
    "Élan de Mutaho",
    "Mères et pères unis",
    "Ça ira, Bugendana",
    "Cœur « Ejo hazoza »",
    "Île-Kirundo, où l'on fête l'été",
    "Ejo ya kera n'ubu n'ejo hazoza, twese hamwe mu mahoro",
    "Nyange\u0301 hill",
]


def summary(number: int, name: str, rate: float | None, *, attention: bool = False) -> GroupSummary:
    return GroupSummary(
        id=number,
        name=name,
        status="active",
        week=8,
        last_held_on=DAY,
        held=8,
        attendance=rate,
        recent_attendance=rate,
        held_recent=0 if rate is None else 4,
        recent_present=0,
        recent_total=0,
        open_agreements=0,
        missed=1 if attention else 0,
        unrecorded=False,
        absence_streaks=0,
        prep_pending=False,
    )


@dataclass
class Drawn:
    """One string drawn on a picture, the picture and the font it was drawn with."""

    picture: ImageDraw.ImageDraw
    text: str
    font: object


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Drawn]]:
    """Every string Pillow draws while the test runs."""
    seen: list[Drawn] = []
    original = ImageDraw.ImageDraw.text

    def text(self: ImageDraw.ImageDraw, xy: object, text: str, *args: object, **kw: object) -> None:
        seen.append(Drawn(self, text, kw.get("font")))
        original(self, xy, text, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(ImageDraw.ImageDraw, "text", text)
    yield seen


def per_picture(seen: Sequence[Drawn]) -> list[list[str]]:
    pictures: dict[int, list[str]] = {}
    for item in seen:
        pictures.setdefault(id(item.picture), []).append(item.text)
    return list(pictures.values())


@pytest.fixture(scope="module")
def cmap() -> set[int]:
    font = TTFont(io.BytesIO(chart.font_file().read_bytes()))
    return set(font.getBestCmap())


@pytest.mark.parametrize("lang", ["rn", "fr"])
def test_every_character_drawn_is_in_the_font(
    lang: str, drawn: list[Drawn], cmap: set[int]
) -> None:
    tr = translator(lang)
    # 36 groups: two pictures, so the titles carry "1/2" and "2/2".
    groups = [
        summary(
            i, f"{NAMES[i % len(NAMES)]} {i}", None if i % 5 == 0 else i / 40, attention=i % 3 == 0
        )
        for i in range(36)
    ]
    charts = chart.attendance_charts(tr, groups, day=DAY)
    assert len(charts) == 2

    texts = [d.text for d in drawn]
    title = tr.pgettext("coordinator", "Attendance, last 4 weeks")
    assert f"{title} – 1/2" in texts and f"{title} – 2/2" in texts
    assert tr.pgettext("coordinator", "Groups needing attention") in texts
    assert tr.pgettext("coordinator", "no data") in texts
    assert "Espérance – Giheta 4" in texts and "Nyangé hill 11" in texts
    assert any(t.startswith("Ejo ya kera") and t.endswith("…") for t in texts)
    assert "28%" in texts  # group 11: 11/40

    missing = {(t, c) for t in texts for c in t if ord(c) not in cmap}
    assert not missing, f"not in the font: {sorted(missing)}"
    assert {d.font.getname() for d in drawn} == {("Source Sans Pro", "Regular")}  # type: ignore[attr-defined]


def test_the_font_has_every_kirundi_and_french_letter(cmap: set[int]) -> None:
    letters = "abcdefghijklmnopqrstuvwxyz" + "àâæçéèêëîïôœùûüÿ" + "’«»–…"
    assert [c for c in letters + letters.upper() if ord(c) not in cmap] == []


def names_in_order(seen: Sequence[Drawn], names: set[str]) -> list[str]:
    return [d.text for d in seen if d.text in names]


def test_groups_needing_attention_come_first_then_the_lowest_attendance(
    drawn: list[Drawn],
) -> None:
    groups = [
        summary(1, "Calm high", 0.95),
        summary(2, "Calm low", 0.40),
        summary(3, "Calm new", None),
        summary(4, "Watch high", 0.90, attention=True),
        summary(5, "Watch low", 0.30, attention=True),
        summary(6, "Watch silent", None, attention=True),
        summary(7, "Calm middle", 0.60),
    ]
    ((_, png),) = chart.attendance_charts(translator("fr"), groups, day=DAY)
    order = names_in_order(drawn, {g.name for g in groups})
    assert order == [
        "Watch silent",  # needing attention, nothing recorded in four weeks
        "Watch low",
        "Watch high",
        "Calm low",
        "Calm middle",
        "Calm high",
        "Calm new",  # no figures yet, nothing to worry about
    ]
    # The rows needing attention carry the orange mark; the others do not.
    image = Image.open(io.BytesIO(png)).convert("RGB")
    marks = [
        image.getpixel((chart.MARGIN + 3, chart.TOP + row * chart.ROW + chart.ROW // 2))
        for row in range(len(groups))
    ]
    orange = [m[0] > 180 and m[2] < 100 for m in marks]  # type: ignore[index]
    assert orange == [True, True, True, False, False, False, False]


def test_65_groups_give_3_pictures_covering_every_group(drawn: list[Drawn]) -> None:
    tr = translator("rn")
    groups = [
        summary(i, f"Umugwi {i}", (i % 11) / 10 if i % 13 else None, attention=i % 4 == 0)
        for i in range(65)
    ]
    charts = chart.attendance_charts(tr, groups, day=DAY)

    assert [name for name, _ in charts] == [
        f"attendance-2026-11-25-{n}-of-3.png" for n in (1, 2, 3)
    ]
    names = {g.name for g in groups}
    pictures = per_picture(drawn)
    assert len(pictures) == 3
    title = tr.pgettext("coordinator", "Attendance, last 4 weeks")
    shown: list[str] = []
    for number, texts in enumerate(pictures, 1):
        assert texts[0] == f"{title} – {number}/3"
        on_picture = [t for t in texts if t in names]
        assert 0 < len(on_picture) <= chart.MAX_BARS
        shown += on_picture
    assert sorted(shown) == sorted(names)  # every group, once
    # Those needing attention on the first picture, before any other.
    attention = {g.name for g in groups if g.needs_attention}
    assert set(shown[: len(attention)]) == attention

    for _, png in charts:
        image = Image.open(io.BytesIO(png))
        assert image.format == "PNG" and image.mode == "P" and image.size[0] == chart.WIDTH
        assert len(png) < 12_000  # every kilobyte is paid for by the coordinator


def test_a_single_picture_has_no_page_number_and_no_group_gives_none() -> None:
    tr = translator("fr")
    ((name, png),) = chart.attendance_charts(tr, [summary(1, "Amahoro", 0.7)], day=DAY)
    assert name == "attendance-2026-11-25.png" and png.startswith(b"\x89PNG")
    assert chart.title(tr, 1, 1) == tr.pgettext("coordinator", "Attendance, last 4 weeks")
    assert chart.attendance_charts(tr, [], day=DAY) == []


def test_each_picture_is_sent_as_a_document_that_can_be_saved() -> None:
    tr = translator("fr")
    groups = [summary(i, f"Groupe {i}", 0.5) for i in range(31)]
    replies = screens.chart(tr, chart.attendance_charts(tr, groups, day=DAY))
    title = tr.pgettext("coordinator", "Attendance, last 4 weeks")
    assert [r.text for r in replies] == [f"{title} – 1/2", f"{title} – 2/2"]
    assert all(r.document is not None and r.new and not r.protect for r in replies)
