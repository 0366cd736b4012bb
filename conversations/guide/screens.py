"""The guide's screens: each takes the guides the handler looked up and returns what to show.

Buttons carry a guide id and a screen index, never state (see the package's docstring)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from content.guides import REFERENCE_SCREENS, Guide
from content.referrals import Service
from conversations.guide.access import PHASE_GUIDE, PREPARATION, TOPIC_GUIDE, LinkTarget
from conversations.runtime.callbacks import pack
from conversations.runtime.menu import Np_
from conversations.runtime.reply import Button, Reply
from conversations.vocabulary.guides import PHASE_NAMES, phase_name
from locales import Translator

# Whole sentences per language: Kirundi changes a language's name after "in" (mu Gifaransa).
FALLBACK_NOTES = {
    "fr": Np_("guide", "Not yet written in your language: shown in French."),
    "en": Np_("guide", "Not yet written in your language: shown in English."),
    "rn": Np_("guide", "Not yet written in your language: shown in Kirundi."),
}
TOPIC_KEYS = REFERENCE_SCREENS[TOPIC_GUIDE][1:]
WEEKS_PER_ROW = 5
MAX_LINKS = 3
# Long button labels are cut by Telegram apps anyway; cutting here keeps the keyboard tidy.
LABEL_CHARS = 48
# A guide's name this short ("Week 13") stays whole in a link; a longer one may be shortened.
SHORT_NAME = 16


# --- labels ---------------------------------------------------------------------------------


def fit(label: str, room: int = LABEL_CHARS) -> str:
    """The label within `room` characters, cut after a whole word."""
    if len(label) <= room:
        return label
    cut = label[: room - 1]
    if label[room - 1] != " " and " " in cut[room // 2 :]:  # not at a word's end: drop it
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" :;,.–—-") + "…"


def short_label(tr: Translator, guide: Guide) -> str:
    """The short name: "Week 7" for a week, the title for any other guide."""
    if guide.week is not None:
        return tr.pgettext("guide", "Week {number}").format(number=guide.week)
    return guide.title


def guide_label(tr: Translator, guide: Guide) -> str:
    """The full name: "Week 7: <title>" for a week, the title for any other guide."""
    if guide.week is not None:
        return tr.pgettext("guide", "Week {number}: {title}").format(
            number=guide.week, title=guide.title
        )
    return guide.title


def place_label(tr: Translator, guide: Guide) -> str:
    """Where a guide belongs: its phase, or "Reference"."""
    if guide.phase in PHASE_NAMES:
        return phase_name(tr, guide.phase)
    return tr.pgettext("guide", "Reference")


def fallback_note(tr: Translator, guide: Guide, fell_back: bool) -> str:
    if not fell_back:
        return ""
    return tr.pgettext(*FALLBACK_NOTES.get(guide.lang, FALLBACK_NOTES["fr"]))


def link_label(tr: Translator, target: LinkTarget) -> str:
    if target.whole_guide:
        return guide_label(tr, target.guide)
    return tr.pgettext("guide", "{guide}: {part}").format(
        guide=short_label(tr, target.guide), part=target.guide.screens[target.index].title
    )


def link_labels(tr: Translator, links: Sequence[LinkTarget]) -> list[str]:
    """The labels of a screen's links, each whole or cut after a word, and all different.

    A link too long for its button shortens a long guide name, which links into the same guide
    repeat, and keeps the screen's title, which tells them apart."""
    room = LABEL_CHARS - 2  # the arrow
    labels = []
    for link in links:
        label = link_label(tr, link)
        name = short_label(tr, link.guide)
        if len(label) > room and not link.whole_guide and len(name) > SHORT_NAME:
            template = tr.pgettext("guide", "{guide}: {part}")
            part = link.guide.screens[link.index].title
            spare = room - len(template.format(guide="", part=part))
            shorter = template.format(guide=fit(name, spare), part=part)
            label = shorter if spare >= SHORT_NAME else part
        labels.append(fit(label, room))
    for i, label in enumerate(labels):
        if labels.count(label) > 1:  # cut to the same words: the screen's number tells
            labels[i] = fit(label, room - 5) + f" ({links[i].index + 1})"
    return labels


def _up_to_menu(tr: Translator) -> list[Button]:
    label = tr.pgettext("guide", "All guides")
    return [Button(f"↑ {label}", pack("gm"))]


def _download_button(tr: Translator, guide: Guide) -> Button:
    label = tr.pgettext("guide", "Download this week")
    return Button(f"⬇ {label}", pack("gx", guide.id))


# --- menus ----------------------------------------------------------------------------------


def main_menu(tr: Translator, preparation: Guide | None, topics: Guide | None) -> Reply:
    weeks = tr.pgettext("guide", "The 15 weeks")
    phases = tr.pgettext("guide", "The phases")
    reference = tr.pgettext("guide", "Reference pages")
    rows = [[Button(weeks, pack("gw"))], [Button(phases, pack("gp"))]]
    if preparation is not None:
        rows.append([Button(fit(preparation.title), pack("gt", PREPARATION))])
    if topics is not None:
        rows.append([Button(fit(topics.title), pack("gk"))])
    rows.append([Button(reference, pack("gr"))])
    return Reply(tr.render("guide/menu.j2"), buttons=rows)


def week_list(
    tr: Translator, guides: list[Guide], *, wrong_week: bool = False, last: int = 0
) -> Reply:
    """The numbered weeks; `wrong_week`: /week was sent with something that is not one."""
    numbered = [guide for guide in guides if guide.week is not None]
    buttons = [Button(str(guide.week), pack("gd", guide.id, 0)) for guide in numbered]
    rows = [buttons[i : i + WEEKS_PER_ROW] for i in range(0, len(buttons), WEEKS_PER_ROW)]
    rows.append(_up_to_menu(tr))
    lines = [(guide.week, guide.title) for guide in numbered]
    text = tr.render("guide/weeks.j2", weeks=lines, wrong_week=wrong_week, last=last)
    return Reply(text, buttons=rows)


def phase_list(tr: Translator, names: Iterable[str]) -> Reply:
    rows = [[Button(phase_name(tr, phase), pack("gp", phase))] for phase in names]
    rows.append(_up_to_menu(tr))
    return Reply(tr.render("guide/phases.j2"), buttons=rows)


def phase_menu(tr: Translator, phase: str, guides: list[Guide], about: int | None) -> Reply:
    """One phase's guides; `about`: the screen of the phases guide that explains the phase."""
    rows = [[Button(fit(guide_label(tr, guide)), pack("gd", guide.id, 0))] for guide in guides]
    if about is not None:
        label = tr.pgettext("guide", "About this phase")
        rows.append([Button(label, pack("gd", PHASE_GUIDE, about))])
    up = tr.pgettext("guide", "The phases")
    rows.append([Button(f"↑ {up}", pack("gp"))])
    return Reply(tr.render("guide/phase.j2", name=phase_name(tr, phase)), buttons=rows)


def reference_list(tr: Translator, guides: list[Guide]) -> Reply:
    rows = [[Button(fit(guide.title), pack("gt", guide.id))] for guide in guides]
    rows.append(_up_to_menu(tr))
    return Reply(tr.render("guide/reference.j2"), buttons=rows)


def topic_list(tr: Translator, guide: Guide | None, fell_back: bool) -> Reply:
    """The six problem areas, each a screen of the problem-areas guide."""
    if guide is None:
        return Reply(tr.render("guide/topics_missing.j2"))
    rows = []
    for key in TOPIC_KEYS:
        if key in guide.keys:
            index = guide.keys.index(key)
            rows.append([Button(fit(guide.screens[index].title), pack("gd", guide.id, index))])
    rows.append(_up_to_menu(tr))
    text = tr.render("guide/topics.j2", title=guide.title, note=fallback_note(tr, guide, fell_back))
    return Reply(text, buttons=rows)


# --- one guide ------------------------------------------------------------------------------


def contents(tr: Translator, guide: Guide, fell_back: bool) -> Reply:
    rows = [
        [Button(fit(f"{number}. {screen.title}"), pack("gd", guide.id, number - 1))]
        for number, screen in enumerate(guide.screens, start=1)
    ]
    bottom = _up_to_menu(tr)
    if guide.kind == "week":
        bottom.append(_download_button(tr, guide))
    rows.append(bottom)
    text = tr.render(
        "guide/contents.j2",
        label=guide_label(tr, guide),
        place=place_label(tr, guide),
        note=fallback_note(tr, guide, fell_back),
    )
    return Reply(text, buttons=rows)


def page(
    tr: Translator,
    guide: Guide,
    fell_back: bool,
    index: int,
    links: list[LinkTarget],
    beside: tuple[Guide | None, Guide | None],
    *,
    draft: bool,
    services: Sequence[tuple[str, Sequence[Service]]] = (),
) -> Reply:
    """Screen `index` of a guide, its links, and the way on; `beside`: the guides around it.
    `draft`: the screen is not reviewed as it reads now, and says so."""
    rows = [
        [Button(f"→ {label}", pack("gd", link.guide.id, link.index))]
        for link, label in zip(links, link_labels(tr, links), strict=True)
    ]
    rows.append(_turn_buttons(tr, guide, index, beside))
    bottom = [Button("↑ " + tr.pgettext("guide", "Contents"), pack("gt", guide.id))]
    if guide.kind == "week":
        bottom.append(_download_button(tr, guide))
    rows.append(bottom)
    text = tr.render(
        "guide/screen.j2",
        label=guide_label(tr, guide),
        place=place_label(tr, guide),
        position=index + 1,
        total=len(guide.screens),
        note=fallback_note(tr, guide, fell_back),
        draft=draft,
        html=guide.screens[index].html,
        services=services,
    )
    return Reply(text, buttons=rows)


def _turn_buttons(
    tr: Translator, guide: Guide, index: int, beside: tuple[Guide | None, Guide | None]
) -> list[Button]:
    """Back and Next; at a guide's first or last screen they lead on to the guide beside it."""
    before, after = beside
    row = []
    if index > 0:
        back = tr.pgettext("guide", "Back")
        row.append(Button(f"‹ {back}", pack("gd", guide.id, index - 1)))
    elif before is not None:
        label = fit(short_label(tr, before))
        row.append(Button(f"‹ {label}", pack("gd", before.id, len(before.screens) - 1)))
    if index + 1 < len(guide.screens):
        following = tr.pgettext("guide", "Next")
        row.append(Button(f"{following} ›", pack("gd", guide.id, index + 1)))
    elif after is not None:
        label = fit(short_label(tr, after))
        row.append(Button(f"{label} ›", pack("gd", after.id, 0)))
    return row


def download(tr: Translator, guide: Guide, document: bytes) -> Reply:
    """The week as one HTML file, for reading without internet."""
    caption = tr.render("guide/download.j2", label=guide_label(tr, guide))
    return Reply(caption, document=(f"{guide.id}.html", document), new=True)
