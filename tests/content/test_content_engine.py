"""The guide engine: parsing, Telegram rendering, the content check and the HTML export.

Most tests copy a complete, valid library of guides (tests/content/library.py: every guide in
every language, with made-up words so no two weeks look alike, the translations stamped, a plan
for each week), prove that it passes, then break one thing and prove that exactly that is
reported.
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from content.check import (
    catalog_stats,
    check_library,
    coverage_table,
    load_glossary,
    run_check,
)
from content.export import export_handbook, render_week_document
from content.guides import (
    GUIDE_IDS,
    LANGUAGES,
    REFERENCE_IDS,
    WEEK_IDS,
    WEEK_SCREENS,
    Guide,
    Library,
    parse_guide,
)
from content.telegram_html import escape, plain_text, utf16_len, validate_html
from locales import translator
from tests.content.library import (
    PLAN,
    alignment_problems,
    guide_source,
    load,
    plans_dir,
    problems_of,
    write,
    write_guide,
)


def parse(text: str, lang: str = "en", name: str = "agreements") -> Guide:
    return parse_guide(text, path=Path(f"{lang}/{name}.md"), lang=lang)


FRONT = "---\nid: agreements\nkind: reference\ntitle: T\n---\n\n"


# --- parsing and rendering -------------------------------------------------------------------


def test_guide_is_parsed_into_screens_with_front_matter() -> None:
    guide = parse(
        "---\nid: week-03\nkind: week\nweek: 3\nphase: trust\ntitle: Building trust\n"
        "---\n\n{#objectives}\n## What for\n\nText.\n\n"
        "{#activity}\n## Whom do we trust?\n\nAsk:\n\n> Whom do you go to?\n> Why them?\n\n"
        "> What helps?\n",
        name="week-03",
    )
    assert (guide.id, guide.kind, guide.week, guide.phase) == ("week-03", "week", 3, "trust")
    assert (guide.title, guide.lang) == ("Building trust", "en")
    assert guide.keys == ("objectives", "activity")
    activity = guide.screens[1]
    assert activity.title == "Whom do we trust?"
    assert activity.html.startswith("<b>Whom do we trust?</b>\n\nAsk:\n\n<blockquote>")
    assert activity.prompts == ("Whom do you go to?", "Why them?", "What helps?")
    assert activity.plain_length == len(plain_text(activity.html))
    assert guide.issues == ()


def test_nasty_text_is_escaped_for_telegram() -> None:
    guide = parse(
        FRONT + "{#overview}\n## A <b>title</b> & more\n\n"
        "Use <script>alert('x')</script> & \"quotes\" it's 5 < 6 > 4 &amp; &nbsp;x\n\n"
        "<div>raw block</div>\n"
    )
    html = guide.screens[0].html
    assert validate_html(html) == []
    assert "<script>" not in html and "<div>" not in html
    assert "&lt;script&gt;alert('x')&lt;/script&gt; &amp; &quot;quotes&quot; it's" in html
    assert "&#x27;" not in html
    assert "<b>A &lt;b&gt;title&lt;/b&gt; &amp; more</b>" in html
    # Entities typed in Markdown are decoded by the parser, then escaped again for Telegram.
    assert "&amp; \xa0x" in html
    assert any("raw HTML" in issue.message for issue in guide.issues)


def test_unbalanced_emphasis_still_gives_valid_html() -> None:
    guide = parse(FRONT + "{#overview}\n## T\n\n**bold *it** and _open and `code\n\n*a **b* c**\n")
    html = guide.screens[0].html
    assert validate_html(html) == []
    # Unmatched markers stay as text; what CommonMark pairs up becomes nested, closed tags.
    assert html == (
        "<b>T</b>\n\n*<i>bold <i>it</i></i> and _open and `code\n\n<i>a <i><i>b</i> c</i></i>"
    )


def test_lists_quotes_headings_and_code() -> None:
    guide = parse(
        FRONT + "{#overview}\n## T\n\n### Sub\n\n- one\n- two **b**\n  - nested\n\n"
        "3. three\n4. four\n\n```\nx < y\n```\n\n> > quoted twice\n"
    )
    html = guide.screens[0].html
    assert validate_html(html) == []
    assert "<b>Sub</b>\n\n• one\n• two <b>b</b>\n   • nested\n\n3. three\n4. four" in html
    assert "<pre>x &lt; y</pre>" in html
    assert html.endswith("<blockquote>quoted twice</blockquote>")


def test_links_internal_external_and_unsupported() -> None:
    guide = parse(
        FRONT + "{#overview}\n## T\n\n[week 5](week-05), **[watch](week-07#watch)**, "
        "[site](https://example.org/a?b=1&c=2), [file](week-05.md), [mail](mailto:a@b.c)\n"
    )
    screen = guide.screens[0]
    assert screen.links == ("week-05", "week-07#watch")
    assert "<b>week 5</b>" in screen.html
    assert "<b><i>watch</i></b>" in screen.html
    assert '<a href="https://example.org/a?b=1&amp;c=2">site</a>' in screen.html
    assert "file" in screen.html and "week-05.md" not in screen.html
    assert validate_html(screen.html) == []
    bad = [issue.message for issue in guide.issues if "link target" in issue.message]
    assert len(bad) == 2


def test_images_and_tables_are_reported() -> None:
    guide = parse(
        FRONT + "{#overview}\n## T\n\n![a map](map.png)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    assert "<img" not in guide.screens[0].html
    messages = " ".join(issue.message for issue in guide.issues)
    assert "images" in messages and "tables" in messages


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("# Title\n\n{#overview}\n## T\n\nx\n", "text before the first screen"),
        ("{#overview}\n## T\n\nx\n\n## No key\n\ny\n", "has no {#key} line"),
        ("{#overview}\n## T\n\nx\n\n{#later}\nnot a heading\n", "must be followed by a '## '"),
        ("{#overview}\n## T\n\nx\n\n{#Bad key}\n## U\n\ny\n", "is not understood"),
        ("{#overview}\n## T\n\nx\n\n{#overview}\n## U\n\ny\n", "used twice"),
        ("{#overview}\n# T\n\nx\n", "must start with '## '"),
        ("{#overview}\n## T\n", "has no text"),
    ],
)
def test_screen_structure_mistakes(source: str, expected: str) -> None:
    guide = parse(FRONT + source)
    assert any(expected in issue.message for issue in guide.issues), guide.issues


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("id: agreements\nkind: reference\ntitle: T\n  phase: trust", "line 5 is not"),
        ("id: agreements\nkind: [reference\ntitle: T", "kind '[reference'"),
        ("id: agreements\nkind: week\ntitle: T", "is a reference guide"),
        ("id: other\nkind: reference\ntitle: T", "differs from the file name"),
        ("id: agreements\ntitle: T", "missing field 'kind'"),
        ("id: agreements\nkind: reference\ntitle: T\nreveiw: x", "unknown field 'reveiw'"),
        ("id: agreements\nkind: reference\ntitle: T\nweek: 2", "only weekly"),
        ("id: agreements\nkind: reference\ntitle: T\nphase: calm", "phase 'calm'"),
        # Review state lives in the review records, no longer in the files.
        (
            "id: agreements\nkind: reference\ntitle: T\nreview: draft",
            "unknown field 'review' (fields: id, kind, week, phase, title)",
        ),
    ],
)
def test_front_matter_mistakes(front: str, expected: str) -> None:
    guide = parse(f"---\n{front}\n---\n\n{{#overview}}\n## T\n\nx\n")
    messages = [issue.message for issue in guide.issues if issue.rule == "front-matter"]
    assert any(expected in message for message in messages), messages


def test_title_with_a_french_colon_needs_no_quotes() -> None:
    guide = parse(
        "---\nid: agreements\nkind: reference   # a comment\n"
        "title: Après la semaine 15 : l'entraide\n---\n\n{#overview}\n## T\n\nx\n"
    )
    assert (guide.title, guide.kind, guide.issues) == (
        "Après la semaine 15 : l'entraide",
        "reference",
        (),
    )


def test_weekly_front_matter_must_match_the_file() -> None:
    text = "---\nid: week-04\nkind: week\nweek: 5\ntitle: T\n---\n\n{#x}\n## T\n\ny\n"
    messages = [issue.message for issue in parse(text, name="week-04").issues]
    assert any("does not match the file name" in message for message in messages)
    assert any("missing field 'phase'" in message for message in messages)
    assert not parse(FRONT + "{#overview}\n## T\n\nx\n").issues


def test_validator_refuses_what_telegram_refuses() -> None:
    assert validate_html('<b>x</b> <a href="https://a.b">y</a> &#39; &quot;') == []
    for bad in [
        "<p>x</p>",
        "<b>x",
        "x</b>",
        "<b><i>x</b></i>",
        "&nbsp;",
        "&#x27 and & alone",
        "<blockquote><blockquote>x</blockquote></blockquote>",
        "<a>x</a>",
        '<a href="u" title="t">x</a>',
        "<code><b>x</b></code>",
        '<b class="c">x</b>',
        "<br/>",
        "1 < 2",
    ]:
        assert validate_html(bad), bad


def test_escape_plain_text_and_utf16() -> None:
    assert escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;'&amp;'&lt;/a&gt;"
    assert plain_text("<b>a &amp; b</b> &lt;3 &#39;") == "a & b <3 '"
    assert utf16_len("Indwi 😀") == 8


# --- the library -----------------------------------------------------------------------------


def test_library_order_and_lookups(guides: Path) -> None:
    (guides / "rn" / "week-02.md").unlink()
    (guides / "rn" / "agreements.md").unlink()
    (guides / "fr" / "agreements.md").unlink()
    library = Library.load(guides)
    assert library.guide_ids() == GUIDE_IDS
    assert [guide.id for guide in library.weeks("rn")] == list(WEEK_IDS)
    assert [guide.id for guide in library.reference("fr")] == list(REFERENCE_IDS)
    week_two, fell_back = library.guide("rn", "week-02")
    assert (week_two.lang, fell_back) == ("fr", True)
    assert library.weeks("rn")[1].lang == "fr"
    assert library.guide("rn", "agreements")[0].lang == "en"
    assert library.guide("rn", "week-03") == (library.get("rn", "week-03"), False)
    with pytest.raises(KeyError):
        library.guide("rn", "week-16")


def test_each_week_shows_its_plan_after_the_objectives(guides: Path) -> None:
    (plans_dir(guides) / "week-04.yaml").unlink()
    library = Library.load(guides)
    for lang in LANGUAGES:
        week = library.get(lang, "week-03")
        assert week is not None
        assert week.keys == ("objectives", "plan", *WEEK_SCREENS[1:])
        plan = week.screens[1]
        assert plan.generated and not any(screen.generated for screen in week.screens[2:])
        # The plan's total, the minutes of each part and who leads, in the reader's language.
        assert plan.title == translator(lang).pgettext("guide", "Plan: {minutes} minutes").format(
            minutes=180
        )
        lead = translator(lang).pgettext("guide", "first facilitator")
        assert f"{translator(lang).pgettext('guide', '{minutes} min').format(minutes=25)}, " in (
            plan.text
        )
        assert lead in plan.text and PLAN["food"][lang] in plan.text
        assert validate_html(plan.html) == []
        # A week without a plan shows none (the check reports it missing).
        without = library.get(lang, "week-04")
        assert without is not None and "plan" not in without.keys


# --- the check -------------------------------------------------------------------------------


def test_valid_library_passes(guides: Path, tmp_path: Path) -> None:
    assert problems_of(guides) == []
    assert alignment_problems(guides) == []
    out = io.StringIO()
    assert run_check(guides, tmp_path / "no-locales", out) == 0
    report = out.getvalue()
    assert "week-15" in report and "0 errors, 0 warnings" in report


def test_missing_guide_fails(guides: Path) -> None:
    (guides / "fr" / "week-07.md").unlink()
    assert problems_of(guides) == [("error", "missing", "fr", "week-07", "")]
    assert "MISSING" in coverage_table(load(guides))


def test_unlisted_guide_is_a_warning(guides: Path) -> None:
    for lang in LANGUAGES:
        write(guides, lang, "songs", guide_source(lang, "songs"))
    assert problems_of(guides) == [("warning", "missing", "", "", "")]


@pytest.mark.parametrize("length", [1500, 1501])
def test_screen_length_limit(guides: Path, length: int) -> None:
    title = guide_source("en", "week-05").split("{#game}\n## ")[1].split("\n")[0]
    write_guide(guides, "en", "week-05", game="x" * (length - len(title) - 2))
    screen = load(guides).guide("en", "week-05")[0].screen("game")
    assert screen is not None and screen.plain_length == length
    expected = [("error", "length", "en", "week-05", "game")] if length > 1500 else []
    assert problems_of(guides) == expected


def test_week_needs_three_prompts(guides: Path) -> None:
    write_guide(guides, "rn", "week-09", activity="Baza:\n\n> kamu reto?\n> siba gonu?")
    assert problems_of(guides) == [("error", "prompts", "rn", "week-09", "activity")]
    write_guide(guides, "rn", "week-09", activity="Baza:\n\n> kamu reto?\n> siba gonu?\n> diro?")
    assert problems_of(guides) == []


def test_copy_pasted_week_fails(guides: Path) -> None:
    source = (guides / "fr" / "week-02.md").read_text(encoding="utf-8")
    copy = source.replace("id: week-02", "id: week-03").replace("week: 2", "week: 3")
    # A few words changed here and there do not make it a new week.
    # (in the text, not on the key lines: they carry the stamps)
    text_start = copy.index("\n\n", copy.index("{#"))
    copy = copy[:text_start] + copy[text_start:].replace(" ", " kuku ", 3)
    write(guides, "fr", "week-03", copy)
    found = problems_of(guides)
    assert found and all(problem[:4] == ("error", "similar", "fr", "week-03") for problem in found)
    assert {problem[4] for problem in found} >= {"objectives", "activity", "record"}


def test_same_screen_in_two_languages_is_not_a_copy(guides: Path) -> None:
    write(guides, "rn", "week-04", (guides / "en" / "week-04.md").read_text(encoding="utf-8"))
    assert problems_of(guides) == []


@pytest.mark.parametrize(
    ("link", "broken"),
    [
        ("week-99", True),
        ("week-02#nope", True),
        ("week-02#watch", False),
        ("phases#care", False),
        ("agreements", False),
    ],
)
def test_internal_links_must_resolve(guides: Path, link: str, broken: bool) -> None:
    write_guide(guides, "en", "week-06", watch=f"See [this]({link}).")
    expected = [("error", "link", "en", "week-06", "watch")] if broken else []
    assert problems_of(guides) == expected


@pytest.mark.parametrize(
    ("lang", "text", "flagged"),
    [
        ("rn", "Ni vyiza Cyane.", True),
        ("rn", "ibyo n'ivyo", True),
        ("rn", "Ivyo ni vyiza cane, canke.", False),
        ("rn", "abacyanes ibyose", False),
        ("fr", "cyane ibyo", False),
    ],
)
def test_forbidden_spellings(guides: Path, lang: str, text: str, flagged: bool) -> None:
    write_guide(guides, lang, "week-11", closing=text)
    expected = [("error", "forbidden", lang, "week-11", "closing")] if flagged else []
    assert problems_of(guides) == expected


def test_forbidden_spelling_message_names_the_kirundi_word(guides: Path) -> None:
    write_guide(guides, "rn", "week-11", closing="Cyangwa.")
    (problem,) = check_library(load(guides), load_glossary())
    assert "'Cyangwa'" in problem.message and "'canke'" in problem.message


def test_screens_must_follow_the_required_order(guides: Path) -> None:
    text = guide_source("en", "week-08")
    game, reportback = text.index("{#game}"), text.index("{#reportback}")
    swapped = text[:game] + text[reportback : text.index("{#activity}")] + text[game:reportback]
    write(guides, "en", "week-08", swapped + text[text.index("{#activity}") :])
    assert problems_of(guides) == [("error", "screens", "en", "week-08", "")]


def test_free_keys_must_match_across_languages(guides: Path) -> None:
    write(guides, "fr", "agreements", guide_source("fr", "agreements").replace("steps", "etapes"))
    assert problems_of(guides) == [("error", "screens", "fr", "agreements", "")]


def test_markdown_mistakes_are_errors(guides: Path) -> None:
    write_guide(guides, "en", "principles", learning="Click <b>here</b>.")
    assert problems_of(guides) == [("error", "markdown", "en", "principles", "learning")]


def test_unused_glossary_term_is_only_a_warning(guides: Path, tmp_path: Path) -> None:
    write_guide(guides, "rn", "preparation", overview="Nta jambo, iminota 180.")
    found = problems_of(guides)
    assert found and all(problem[:3] == ("warning", "glossary", "rn") for problem in found)
    messages = [p.message for p in check_library(load(guides), load_glossary())]
    assert any("'group' (umugwi)" in message for message in messages)
    assert run_check(guides, tmp_path, io.StringIO()) == 0


def test_run_check_reports_and_fails(guides: Path, tmp_path: Path) -> None:
    write_guide(guides, "rn", "week-01", closing="Ibyo.\n\n- kamu reto\n- siba gonu")
    out = io.StringIO()
    assert run_check(guides, tmp_path, out) == 1
    assert "rn/week-01.md {#closing}: 'Ibyo' is not rn spelling (write 'ivyo')" in out.getvalue()
    assert "1 errors, 0 warnings" in out.getvalue()


PO = """\
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "Yes"
msgstr "Ego"

# unreviewed
msgid "No"
msgstr "Oya"

#, fuzzy
msgid "Week"
msgstr "Indwi"

msgid "Group"
msgstr ""

msgid "One session"
msgid_plural "{n} sessions"
msgstr[0] "Inama"
msgstr[1] ""
"""


def test_catalog_counts(guides: Path, tmp_path: Path) -> None:
    path = tmp_path / "locales" / "rn" / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True)
    path.write_text(PO, encoding="utf-8")
    (stats,) = catalog_stats(tmp_path / "locales")
    assert (stats.lang, stats.total, stats.untranslated, stats.not_reviewed) == ("rn", 5, 2, 2)
    out = io.StringIO()
    assert run_check(guides, tmp_path / "locales", out) == 0
    assert "rn: 5 messages, 2 untranslated, 2 fuzzy or not reviewed" in out.getvalue()


# --- export ----------------------------------------------------------------------------------


class PageParser(HTMLParser):
    """Collects links, ids and lang attributes, and insists that every element is closed."""

    VOID = frozenset({"meta", "br", "hr", "img", "link", "input"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.hrefs: list[str] = []
        self.ids: set[str] = set()
        self.langs: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.add(tag)
        self.hrefs += [found["href"] or ""] if "href" in found else []
        self.ids |= {found["id"] or ""} if "id" in found else set()
        self.langs += [found["lang"] or ""] if "lang" in found else []
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (tag, self.stack)
        self.stack.pop()


def parse_page(data: str) -> PageParser:
    page = PageParser()
    page.feed(data)
    page.close()
    assert page.stack == []
    return page


def test_handbook_pages_parse_and_links_resolve(guides: Path, tmp_path: Path) -> None:
    (guides / "rn" / "week-02.md").unlink()
    out = tmp_path / "site"
    written = export_handbook(out, Library.load(guides))
    assert len(written) == 1 + len(GUIDE_IDS) * len(LANGUAGES)
    pages = {path: parse_page(path.read_text(encoding="utf-8")) for path in written}
    for path, page in pages.items():
        assert not page.tags & {"script", "img", "link", "iframe"}
        assert page.langs and page.langs[0] in (*LANGUAGES, "mul")
        for href in page.hrefs:
            assert not href.startswith(("http:", "https:", "//")), href
            file_part, _, fragment = href.partition("#")
            target = (path.parent / file_part).resolve() if file_part else path
            assert target in pages, (path, href)
            assert not fragment or fragment in pages[target].ids | {"rn", "fr", "en"}, href
    week_one = (out / "rn" / "week-01.html").read_text(encoding="utf-8")
    assert 'href="week-02.html#activity"' in week_one
    assert '<html lang="rn">' in week_one
    # The missing Kirundi week 2 is the French text, marked as French.
    assert '<article lang="fr">' in (out / "rn" / "week-02.html").read_text(encoding="utf-8")
    assert "@media print" in week_one


def test_week_document_is_small_and_standalone(guides: Path) -> None:
    write_guide(
        guides, "fr", "week-03", watch="Voir [le jeu](week-03#game) et [la semaine 5](week-05)."
    )
    library = Library.load(guides)
    guide, _ = library.guide("fr", "week-03")
    data = render_week_document(guide, "fr")
    assert len(data) < 30_000
    page = parse_page(data.decode("utf-8"))
    assert page.hrefs == ["#game"] and "game" in page.ids
    assert "<strong>la semaine 5</strong>" in data.decode()
    assert data.startswith(b'<!DOCTYPE html><html lang="fr">')


DRAFT = '<p class="draft">{}</p>'


def draft(lang: str) -> str:
    return DRAFT.format(
        translator(lang).pgettext("guide", "Draft, not yet checked by the programme.")
    )


def test_week_document_marks_every_screen_not_reviewed_and_shows_the_plan(guides: Path) -> None:
    guide = Library.load(guides).get("fr", "week-03")
    assert guide is not None
    marker = draft("fr")
    assert "Brouillon" in marker, "the marker is in the reader's language"
    text = render_week_document(
        guide, "fr", frozenset({"week-03#game", "week-04#opening"})
    ).decode()
    headings = re.findall(r'<h2 id="([a-z0-9-]+)">.*?</h2>(<p class="draft">[^<]*</p>)?', text)
    assert [key for key, _ in headings] == list(WEEK_SCREENS)
    assert {key for key, marked in headings if not marked} == {"game"}
    # The guide is a draft as a whole (under its title), and each screen under its heading.
    assert text.count(marker) == 1 + len(WEEK_SCREENS) - 1
    assert text.index("<h1>") < text.index(marker) < text.index('<h2 id="objectives">')
    # The week's plan, between the objectives and the opening.
    plan = text.index('<section id="plan">')
    assert text.index('<h2 id="objectives">') < plan < text.index('<h2 id="opening">')
    assert PLAN["food"]["fr"] in text[plan:]
    # The stamps on the translation's key lines are for the check, never shown.
    assert "source=" not in text
    reviewed = frozenset(f"week-03#{key}" for key in WEEK_SCREENS)
    assert 'class="draft"' not in render_week_document(guide, "fr", reviewed).decode()


def test_handbook_marks_drafts_per_language(guides: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    week_three = frozenset(f"week-03#{key}" for key in WEEK_SCREENS)
    export_handbook(out, Library.load(guides), reviewed={"rn": week_three})
    page = (out / "rn" / "week-03.html").read_text(encoding="utf-8")
    assert 'class="draft"' not in page
    assert '<section id="plan">' in page
    assert draft("rn") in (out / "rn" / "week-04.html").read_text(encoding="utf-8")
    french = (out / "fr" / "week-03.html").read_text(encoding="utf-8")
    assert french.count(draft("fr")) == 1 + len(WEEK_SCREENS)
    index = (out / "index.html").read_text(encoding="utf-8")
    kirundi = index[index.index('<section lang="rn"') : index.index('<section lang="fr"')]
    item = re.search(r'<li><a href="rn/week-03.html">.*?</li>', kirundi)
    assert item is not None and "draft" not in item.group(0)
    item = re.search(r'<li><a href="rn/week-04.html">.*?</li>', kirundi)
    assert item is not None and "draft" in item.group(0)


# --- the real content ------------------------------------------------------------------------


def test_real_content_passes_the_check() -> None:
    out = io.StringIO()
    code = run_check(out=out)
    assert code == 0, out.getvalue()
