"""The reviewer's screens: the language menu, one item with its source, and the answers."""

from __future__ import annotations

from markupsafe import Markup

from content.guides import default_library
from content.review import ReviewItem
from conversations.review import codec
from conversations.review.access import Progress
from conversations.runtime.reply import Button, Reply
from conversations.vocabulary.languages import language_name
from locales import Translator
from models.reviews import SUGGESTION_MAX, Verdict


def choose_language(tr: Translator, languages: tuple[str, ...]) -> Reply:
    rows = [[Button(language_name(lang), codec.menu(lang))] for lang in languages]
    return Reply(tr.render("review/languages.j2"), buttons=rows)


def menu(tr: Translator, lang: str, progress: Progress) -> Reply:
    text = tr.render("review/menu.j2", language=language_name(lang), progress=progress)
    first = progress.next_due()
    rows = []
    if first is not None:
        rows.append(
            [Button(tr.pgettext("review", "Start with the next due"), codec.item(lang, first))]
        )
    return Reply(text, buttons=rows)


def item(tr: Translator, lang: str, number: int, shown: ReviewItem, progress: Progress) -> Reply:
    guide = default_library().get(lang, shown.guide_id) if shown.guide_id else None
    # A screen is Telegram HTML already; an interface string is plain text, escaped by the template.
    source, translation = (
        (Markup(shown.source_html), Markup(shown.html))
        if shown.kind == "screen"
        else (shown.source_html, shown.html)
    )
    text = tr.render(
        "review/item.j2",
        item=shown,
        source=source,
        text=translation,
        guide_title=guide.title if guide else "",
        language=language_name(lang),
        source_language=language_name("en"),
        due=len(progress.due),
    )
    following = progress.next_due(after=number)
    rows = [
        [
            Button(
                "✓ " + tr.pgettext("review", "Approve"),
                codec.verdict(Verdict.APPROVED, lang, number, shown),
            )
        ],
        [
            Button(
                tr.pgettext("review", "Suggest a correction"),
                codec.verdict(Verdict.SUGGESTION, lang, number, shown),
            ),
            Button(
                tr.pgettext("review", "For discussion"),
                codec.verdict(Verdict.DISCUSS, lang, number, shown),
            ),
        ],
    ]
    bottom = [Button("↑ " + tr.pgettext("review", "Review menu"), codec.menu(lang))]
    if following is not None and following != number:
        bottom.append(Button(tr.pgettext("review", "Skip") + " ›", codec.item(lang, following)))
    rows.append(bottom)
    return Reply(text, buttons=rows)


def ask_suggestion(tr: Translator, shown: ReviewItem) -> Reply:
    return Reply(tr.render("review/ask_suggestion.j2", item=shown), new=True)


def saved(tr: Translator, lang: str, verdict: Verdict, following: int | None) -> Reply:
    text = tr.render("review/saved.j2", verdict=verdict.value)
    rows = []
    if following is not None:
        rows.append([Button(tr.pgettext("review", "Next due") + " ›", codec.item(lang, following))])
    rows.append([Button("↑ " + tr.pgettext("review", "Review menu"), codec.menu(lang))])
    return Reply(text, buttons=rows, new=verdict is Verdict.SUGGESTION)


def suggestion_refused(tr: Translator, length: int) -> Reply:
    return Reply(tr.render("review/suggestion_refused.j2", length=length, limit=SUGGESTION_MAX))


def saved_toast(tr: Translator, verdict: Verdict) -> str:
    if verdict is Verdict.APPROVED:
        return tr.pgettext("review", "Approved.")
    return tr.pgettext("review", "Marked for discussion.")
