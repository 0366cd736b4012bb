"""The guide engine: parsing, Telegram rendering, the content check and the HTML export.

Most tests build a complete, valid library of guides in a temporary folder (every guide in every
language, with made-up words so no two weeks look alike), prove that it passes, then break one
thing and prove that exactly that is reported.
"""

from __future__ import annotations

import io
import random
import shutil
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
    Guide,
    Library,
    expected_kind,
    parse_guide,
    required_screens,
)
from content.telegram_html import escape, plain_text, utf16_len, validate_html

SYLLABLES = [consonant + vowel for consonant in "bdgkmnprst" for vowel in "aeiou"]
PHASES = {1: "safety", 3: "trust", 5: "care", 8: "respect", 11: "orientation", 13: "memory"}
FREE_KEYS = ("overview", "steps")


def words(rng: random.Random, count: int) -> str:
    return " ".join(
        "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))) for _ in range(count)
    )


def phase_of(week: int) -> str:
    if week == 15:
        return "closing"
    return PHASES[max(start for start in PHASES if start <= week)]


def guide_source(lang: str, guide_id: str, bodies: dict[str, str] | None = None) -> str:
    """A valid guide file; ``bodies`` replaces the text of some screens."""
    rng = random.Random(f"{lang}/{guide_id}")
    kind = expected_kind(guide_id)
    meta = [f"id: {guide_id}", f"kind: {kind}"]
    if kind == "week":
        week = int(guide_id.removeprefix("week-"))
        meta += [f"week: {week}", f"phase: {phase_of(week)}"]
    elif kind == "preparation":
        meta.append("phase: preparation")
    meta += [f"title: {words(rng, 3)}", "review: draft"]
    parts = ["---", *meta, "---", ""]
    for key in required_screens(guide_id) or FREE_KEYS:
        body = f"{words(rng, 30)}.\n\n- {words(rng, 6)}\n- {words(rng, 6)}"
        if key == "activity":
            body += "".join(f"\n\n> {words(rng, 7)}?" for _ in range(3))
        if (bodies or {}).get(key) is not None:
            body = (bodies or {})[key]
        parts += [f"{{#{key}}}", f"## {key.title()} {words(rng, 2)}", "", body, ""]
    return "\n".join(parts)


def key_terms(lang: str) -> str:
    return " ".join(
        term.stems(lang)[0] for term in load_glossary().terms if term.key_term and term.stems(lang)
    )


def write(root: Path, lang: str, guide_id: str, text: str) -> None:
    (root / lang).mkdir(parents=True, exist_ok=True)
    (root / lang / f"{guide_id}.md").write_text(text, encoding="utf-8")


def write_guide(root: Path, lang: str, guide_id: str, **bodies: str) -> None:
    write(root, lang, guide_id, guide_source(lang, guide_id, bodies))


@pytest.fixture(scope="session")
def valid_library_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("valid") / "guides"
    for lang in LANGUAGES:
        for guide_id in GUIDE_IDS:
            bodies = {}
            if guide_id == "preparation":
                bodies["overview"] = f"{words(random.Random(lang), 20)} {key_terms(lang)}."
            if guide_id == "week-01":
                bodies["objectives"] = "See [the activity of week 2](week-02#activity) first."
            write_guide(root, lang, guide_id, **bodies)
    return root


@pytest.fixture
def guides(valid_library_dir: Path, tmp_path: Path) -> Path:
    """A fresh copy of the valid library, for one test to break."""
    root = tmp_path / "guides"
    shutil.copytree(valid_library_dir, root)
    return root


_parsed: dict[tuple[str, str, str], Guide] = {}


def load(root: Path) -> Library:
    """Library.load, reusing the parse of files that a test did not change (it saves seconds)."""
    found = []
    for lang in LANGUAGES:
        for path in sorted((root / lang).glob("*.md")):
            key = (lang, path.name, path.read_text(encoding="utf-8"))
            if key not in _parsed:
                _parsed[key] = parse_guide(key[2], path=path, lang=lang)
            found.append(_parsed[key])
    return Library(found, root)


def problems_of(root: Path) -> list[tuple[str, str, str, str, str]]:
    found = check_library(load(root), load_glossary())
    return [(p.severity, p.rule, p.lang, p.guide, p.screen) for p in found]


def parse(text: str, lang: str = "en", name: str = "agreements") -> Guide:
    return parse_guide(text, path=Path(f"{lang}/{name}.md"), lang=lang)


FRONT = "---\nid: agreements\nkind: reference\ntitle: T\nreview: draft\n---\n\n"


# --- parsing and rendering -------------------------------------------------------------------


def test_guide_is_parsed_into_screens_with_front_matter() -> None:
    guide = parse(
        "---\nid: week-03\nkind: week\nweek: 3\nphase: trust\ntitle: Building trust\n"
        "review: reviewed\n---\n\n{#objectives}\n## What for\n\nText.\n\n"
        "{#activity}\n## Whom do we trust?\n\nAsk:\n\n> Whom do you go to?\n> Why them?\n\n"
        "> What helps?\n",
        name="week-03",
    )
    assert (guide.id, guide.kind, guide.week, guide.phase) == ("week-03", "week", 3, "trust")
    assert (guide.title, guide.review, guide.reviewed, guide.lang) == (
        "Building trust",
        "reviewed",
        True,
        "en",
    )
    assert guide.keys == ("objectives", "activity")
    activity = guide.screens[1]
    assert activity.title == "Whom do we trust?"
    assert activity.html.startswith("<b>Whom do we trust?</b>\n\nAsk:\n\n<blockquote>")
    assert activity.prompts == ("Whom do you go to?", "Why them?", "What helps?")
    assert activity.plain_length == len(plain_text(activity.html))
    assert [issue.message for issue in guide.issues if issue.rule != "front-matter"] == []


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
        ("id: agreements\nkind: reference\ntitle: T\n  review: draft", "line 5 is not"),
        ("id: agreements\nkind: [reference\ntitle: T\nreview: draft", "kind '[reference'"),
        ("id: agreements\nkind: week\ntitle: T\nreview: draft", "is a reference guide"),
        ("id: other\nkind: reference\ntitle: T\nreview: draft", "differs from the file name"),
        ("id: agreements\nkind: reference\ntitle: T\nreview: done", "review 'done'"),
        ("id: agreements\nkind: reference\ntitle: T", "missing field 'review'"),
        ("id: agreements\nkind: reference\ntitle: T\nreview: draft\nreveiw: x", "unknown field"),
        ("id: agreements\nkind: reference\ntitle: T\nreview: draft\nweek: 2", "only weekly"),
        ("id: agreements\nkind: reference\ntitle: T\nreview: draft\nphase: calm", "phase 'calm'"),
    ],
)
def test_front_matter_mistakes(front: str, expected: str) -> None:
    guide = parse(f"---\n{front}\n---\n\n{{#overview}}\n## T\n\nx\n")
    messages = [issue.message for issue in guide.issues if issue.rule == "front-matter"]
    assert any(expected in message for message in messages), messages


def test_title_with_a_french_colon_needs_no_quotes() -> None:
    guide = parse(
        "---\nid: agreements\nkind: reference   # a comment\n"
        "title: Après la semaine 15 : l'entraide\nreview: draft\n---\n\n{#overview}\n## T\n\nx\n"
    )
    assert (guide.title, guide.kind, guide.issues) == (
        "Après la semaine 15 : l'entraide",
        "reference",
        (),
    )


def test_weekly_front_matter_must_match_the_file() -> None:
    text = (
        "---\nid: week-04\nkind: week\nweek: 5\ntitle: T\nreview: draft\n---\n\n{#x}\n## T\n\ny\n"
    )
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


# --- the check -------------------------------------------------------------------------------


def test_valid_library_passes(guides: Path, tmp_path: Path) -> None:
    assert problems_of(guides) == []
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
    front_end = copy.index("{#")
    copy = copy[:front_end] + copy[front_end:].replace(" ", " kuku ", 3)
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
    write_guide(guides, "rn", "preparation", overview="Nta jambo.")
    found = problems_of(guides)
    assert found and all(problem[:3] == ("warning", "glossary", "rn") for problem in found)
    messages = [p.message for p in check_library(load(guides), load_glossary())]
    assert any("'group' (umugwi)" in message for message in messages)
    assert run_check(guides, tmp_path, io.StringIO()) == 0


def test_run_check_reports_and_fails(guides: Path, tmp_path: Path) -> None:
    write_guide(guides, "rn", "week-01", closing="Ibyo.")
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


# --- the real content ------------------------------------------------------------------------


def test_real_content_passes_the_check() -> None:
    out = io.StringIO()
    code = run_check(out=out)
    assert code == 0, out.getvalue()
