"""The guides as static HTML: a printable handbook site, and one file per week for download.

Pages are self-contained (inline CSS, no scripts, fonts or images) because facilitators pay for
every kilobyte and often read offline or on paper.
"""

from __future__ import annotations

import html
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from babel import Locale
from markdown_it.token import Token

from content.guides import LANGUAGES, Guide, Library, default_library, new_markdown, split_target
from content.telegram_html import is_internal_target
from locales import translator

_CSS = (
    "body{font:16px/1.5 sans-serif;max-width:42em;margin:1em auto;padding:0 1em;color:#111}"
    "h2{margin-top:1.5em;padding-top:.4em;border-top:1px solid #bbb}"
    "blockquote{margin:.6em 0;padding-left:.8em;border-left:3px solid #777}"
    "blockquote p{white-space:pre-line}"
    ".draft{color:#a00}nav{font-size:.9em}"
    "@media print{nav{display:none}a{color:inherit;text-decoration:none}"
    "body{max-width:none;font-size:11pt}h2{break-after:avoid}blockquote,li{break-inside:avoid}}"
)
_MD = new_markdown()

# Maps an internal link target (week-07#watch) to an href, or None to show the link as bold text.
LinkResolver = Callable[[str], str | None]


def export_handbook(
    out_dir: Path | str,
    library: Library | None = None,
    reviewed: Mapping[str, frozenset[str]] | None = None,
) -> list[Path]:
    """Write ``index.html`` and ``<lang>/<guide>.html`` for every guide and language.

    A guide missing in a language is exported in the language it falls back to (its ``lang``
    attribute says which). ``reviewed`` holds, per language, the screens (``guide#key``) that
    are reviewed; every other screen carries the draft marker. Returns the written files.
    """
    reviewed = reviewed or {}
    library = library if library is not None else default_library()
    out = Path(out_dir)
    ids = library.guide_ids()
    written = [_write(out / "index.html", _index_page(library, ids, reviewed))]
    for lang in LANGUAGES:
        (out / lang).mkdir(parents=True, exist_ok=True)
        guides = [library.guide(lang, guide_id)[0] for guide_id in ids]
        for position, guide in enumerate(guides):
            previous = guides[position - 1] if position > 0 else None
            following = guides[position + 1] if position + 1 < len(guides) else None
            done = reviewed.get(guide.lang, frozenset())
            page = _guide_page(guide, lang, ids, previous, following, done)
            written.append(_write(out / lang / f"{guide.id}.html", page))
    return written


def render_week_document(guide: Guide, lang: str, reviewed: frozenset[str] = frozenset()) -> bytes:
    """One compact standalone HTML file of ``guide`` (for the bot's "download this week").

    ``lang`` is the reader's language; when the guide fell back to another language, its text
    is marked with its own ``lang``. Links to the guide's own screens stay links; links to other
    guides are shown as bold text, since the file travels alone.
    """

    def same_guide(target: str) -> str | None:
        guide_id, key = split_target(target)
        return f"#{key}" if guide_id == guide.id and key else None

    body = _guide_html(guide, same_guide, reviewed, lang)
    lang_attr = f' lang="{guide.lang}"' if guide.lang != lang else ""
    return (
        f'<!DOCTYPE html><html lang="{html.escape(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(guide.title)}</title><style>{_CSS}</style></head>"
        f"<body><main{lang_attr}><h1>{html.escape(guide.title)}</h1>"
        f"{_status(guide, lang, reviewed)}"
        f"{body}</main></body></html>"
    ).encode()


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _document(lang: str, title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width,initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def _language_name(lang: str) -> str:
    return Locale.parse(lang).display_name or lang


def _marker(lang: str) -> str:
    return translator(lang).pgettext("guide", "Draft, not yet checked by the programme.")


def _unreviewed(guide: Guide, reviewed: frozenset[str]) -> list[str]:
    return [
        screen.key
        for screen in guide.screens
        if not screen.generated and f"{guide.id}#{screen.key}" not in reviewed
    ]


def _status(guide: Guide, lang: str, reviewed: frozenset[str]) -> str:
    """The draft marker at the top while any screen of the guide is not reviewed."""
    if not _unreviewed(guide, reviewed):
        return ""
    return f'<p class="draft">{html.escape(_marker(lang))}</p>'


def _index_page(
    library: Library, ids: Sequence[str], reviewed: Mapping[str, frozenset[str]]
) -> str:
    sections = []
    for lang in LANGUAGES:
        items = []
        marker = _marker(lang)
        for guide_id in ids:
            guide, fell_back = library.guide(lang, guide_id)
            note = f" ({_language_name(guide.lang)})" if fell_back else ""
            done = reviewed.get(guide.lang, frozenset())
            unreviewed = _unreviewed(guide, done)
            draft = f' <span class="draft">{html.escape(marker)}</span>' if unreviewed else ""
            items.append(
                f'<li><a href="{lang}/{guide_id}.html"{_lang_attr(guide, lang)}>'
                f"{html.escape(guide.title)}</a>{note}{draft}</li>"
            )
        sections.append(
            f'<section lang="{lang}" id="{lang}">\n<h2>{html.escape(_language_name(lang))}</h2>\n'
            f"<ol>\n{chr(10).join(items)}\n</ol>\n</section>"
        )
    # The index speaks every language; each section carries its own lang attribute.
    return _document("mul", "Sociotherapy", "<h1>Sociotherapy</h1>\n" + "\n".join(sections))


def _lang_attr(guide: Guide, lang: str) -> str:
    return f' lang="{guide.lang}"' if guide.lang != lang else ""


def _guide_page(
    guide: Guide,
    lang: str,
    ids: Sequence[str],
    previous: Guide | None,
    following: Guide | None,
    reviewed: frozenset[str],
) -> str:
    known = set(ids)

    def page_link(target: str) -> str | None:
        guide_id, key = split_target(target)
        if guide_id not in known:
            return None
        return f"{guide_id}.html" + (f"#{key}" if key else "")

    links = [f'<a href="../index.html#{lang}">{html.escape(_language_name(lang))}</a>']
    for neighbour, text in ((previous, "← {}"), (following, "{} →")):
        if neighbour is not None:
            label = text.format(html.escape(neighbour.title))
            links.append(f'<a href="{neighbour.id}.html"{_lang_attr(neighbour, lang)}>{label}</a>')
    body = (
        f"<nav>{' · '.join(links)}</nav>\n<article{_lang_attr(guide, lang)}>\n"
        f"<h1>{html.escape(guide.title)}</h1>\n{_status(guide, lang, reviewed)}\n"
        f"{_guide_html(guide, page_link, reviewed, lang)}</article>"
    )
    return _document(lang, guide.title, body)


def _guide_html(guide: Guide, resolve: LinkResolver, reviewed: frozenset[str], lang: str) -> str:
    """The guide's Markdown as ordinary HTML, internal links resolved by ``resolve``, with the
    week's plan after the objectives and the draft marker under each unreviewed screen's title."""
    tokens = _MD.parse(guide.path.read_text(encoding="utf-8-sig").replace("\r\n", "\n"))
    for token in tokens:
        if token.type == "inline" and token.children:
            token.children = _rewrite_inline(token.children, resolve)
        if token.type == "heading_open":
            token.attrs.pop("source", None)  # the translation's stamp is for the check only
    body = [token for token in tokens if token.type != "front_matter"]
    rendered = _MD.renderer.render(body, _MD.options, {})
    unreviewed = set(_unreviewed(guide, reviewed))
    marker = f'<p class="draft">{html.escape(_marker(lang))}</p>'

    def heading(match: re.Match[str]) -> str:
        return match.group(0) + (marker if match.group(1) in unreviewed else "")

    rendered = _HEADING.sub(heading, rendered)
    plan = next((screen for screen in guide.screens if screen.generated), None)
    if plan is not None:
        section = f'<section id="{plan.key}">{_telegram_to_html(plan.html)}</section>\n'
        rendered = rendered.replace('<h2 id="opening">', section + '<h2 id="opening">', 1)
    return rendered


_HEADING = re.compile(r'<h2 id="([a-z0-9_-]+)">.*?</h2>', re.S)


def _telegram_to_html(text: str) -> str:
    """A generated screen (Telegram HTML: tags and new lines) as paragraphs."""
    return "".join(f"<p>{part.replace(chr(10), '<br>')}</p>" for part in text.split("\n\n"))


def _rewrite_inline(children: list[Token], resolve: LinkResolver) -> list[Token]:
    rewritten: list[Token] = []
    unlinked = False
    for token in children:
        if token.type == "image":
            # No external assets: an image becomes its description.
            alt = "".join(child.content for child in token.children or [])
            rewritten.append(Token("text", "", 0, content=alt))
            continue
        if token.type == "link_open":
            href = str(token.attrs.get("href", ""))
            if is_internal_target(href):
                resolved = resolve(href)
                if resolved is None:
                    unlinked = True
                    rewritten.append(Token("strong_open", "strong", 1, markup="**"))
                    continue
                token.attrs["href"] = resolved
        elif token.type == "link_close" and unlinked:
            unlinked = False
            rewritten.append(Token("strong_close", "strong", -1, markup="**"))
            continue
        rewritten.append(token)
    return rewritten


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("build/handbook")
    print(f"{len(export_handbook(target))} files written to {target}")
