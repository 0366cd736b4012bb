"""Parsing a guide file: Markdown with front matter into screens of Telegram HTML.

Parsing is lenient: a guide with mistakes still loads (so the bot keeps working), and every
mistake is kept in ``Guide.issues`` for the content check to report.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_block_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from content.schema import (
    FRONT_MATTER_FIELDS,
    KINDS,
    PHASES,
    WEEK_ID,
    Guide,
    Issue,
    Screen,
    expected_kind,
)
from content.telegram_html import plain_text, render_tokens

_KEY = re.compile(r"[a-z0-9][a-z0-9_-]*")
# PyYAML's C loader is several times faster; the pure-Python one is the same parser.
_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def new_markdown() -> MarkdownIt:
    """The Markdown parser for guides: CommonMark, front matter, ``{#key}`` lines, no raw HTML."""
    # Tables and images are parsed only so that the check can name them; they are not supported.
    md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    return md.use(front_matter_plugin).use(attrs_block_plugin)


_MD = new_markdown()


def parse_guide(text: str, *, path: Path, lang: str) -> Guide:
    """Parse one guide file's text. Mistakes go to ``Guide.issues``; nothing is raised."""
    guide_id = path.stem
    issues: list[Issue] = []
    tokens = _MD.parse(text.replace("\r\n", "\n"))
    blocks = list(_top_level_blocks(tokens))
    if blocks and blocks[0][0].type == "front_matter":
        meta = _front_matter(blocks.pop(0)[0].content, guide_id, issues)
    else:
        issues.append(Issue("front-matter", "the file must start with front matter (---)"))
        meta = _front_matter("", guide_id, issues)
    screens = _screens(blocks, issues)
    if not screens:
        issues.append(Issue("markdown", "no screens: start each screen with {#key} and '## '"))
    return Guide(
        id=guide_id,
        kind=meta["kind"],
        week=meta["week"],
        phase=meta["phase"],
        title=meta["title"],
        screens=screens,
        path=path,
        lang=lang,
        issues=tuple(issues),
    )


def load_guide(path: Path, lang: str) -> Guide:
    """Read and parse one guide file."""
    return parse_guide(path.read_text(encoding="utf-8-sig"), path=path, lang=lang)


def _top_level_blocks(tokens: Sequence[Token]) -> Iterator[list[Token]]:
    block: list[Token] = []
    depth = 0
    for token in tokens:
        block.append(token)
        depth += token.nesting
        if depth == 0:
            yield block
            block = []
    if block:
        yield block


def _front_matter(source: str, guide_id: str, issues: list[Issue]) -> dict[str, Any]:
    def problem(message: str) -> None:
        issues.append(Issue("front-matter", message))

    kind = expected_kind(guide_id)
    week_match = WEEK_ID.fullmatch(guide_id)
    file_week = int(week_match.group(1)) if week_match else None
    meta: dict[str, Any] = {
        "kind": kind,
        "week": file_week,
        "phase": "preparation" if kind == "preparation" else None,
        "title": guide_id,
    }
    try:
        raw = yaml.load(source, Loader=_YAML_LOADER) if source.strip() else {}
    except yaml.YAMLError:
        raw = _field_lines(source, problem)
    if not isinstance(raw, dict):
        problem("front matter must be 'field: value' lines")
        return meta

    for name in raw:
        if name not in FRONT_MATTER_FIELDS:
            problem(f"unknown field {name!r} (fields: {', '.join(FRONT_MATTER_FIELDS)})")
    for name in ("id", "kind", "title"):
        if raw.get(name) in (None, ""):
            problem(f"missing field {name!r}")

    if raw.get("id") not in (None, guide_id):
        problem(f"id {raw['id']!r} differs from the file name {guide_id!r}")
    if raw.get("kind") is not None:
        if raw["kind"] not in KINDS:
            problem(f"kind {raw['kind']!r} is not one of {', '.join(KINDS)}")
        elif raw["kind"] != kind:
            problem(f"kind {raw['kind']!r}: a file named {guide_id}.md is a {kind} guide")
    if isinstance(raw.get("title"), str | int | float) and str(raw["title"]).strip():
        meta["title"] = str(raw["title"]).strip()
    elif raw.get("title") not in (None, ""):
        problem("title must be text")

    week = raw.get("week")
    if kind == "week":
        if week is None:
            problem("missing field 'week'")
        elif str(week) != str(file_week) and str(week) != f"{file_week:02d}":
            problem(f"week {week!r} does not match the file name {guide_id}.md")
    elif week is not None:
        problem(f"only weekly guides have a week (found {week!r})")

    phase = raw.get("phase")
    if phase is not None:
        if phase not in PHASES:
            problem(f"phase {phase!r} is not one of {', '.join(PHASES)}")
        elif kind == "preparation" and phase != "preparation":
            problem("the preparation guide's phase is 'preparation'")
        elif kind == "week" and phase == "preparation":
            problem("a weekly guide's phase cannot be 'preparation'")
        else:
            meta["phase"] = phase
    elif kind == "week":
        problem("missing field 'phase'")
    return meta


def _field_lines(source: str, problem: Callable[[str], None]) -> dict[str, Any]:
    """Front matter read line by line, for what strict YAML refuses but a person means.

    French typography puts a space before a colon ("title: Semaine 3 : la confiance"), which
    YAML rejects unless quoted; editors should not have to know that.
    """
    fields: dict[str, Any] = {}
    for number, line in enumerate(source.split("\n"), start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, colon, value = line.partition(":")
        if not colon or not name.strip() or name != name.strip():
            problem(f"front matter line {number} is not 'field: value': {line.strip()!r}")
            continue
        try:
            parsed = yaml.load(value, Loader=_YAML_LOADER)
        except yaml.YAMLError:
            parsed = value.strip()
        if isinstance(parsed, dict | list):
            parsed = value.strip()
        fields[name] = parsed
    return fields


def _screens(blocks: Sequence[list[Token]], issues: list[Issue]) -> tuple[Screen, ...]:
    screens: list[Screen] = []
    current: tuple[str, str, list[Token], list[Token]] | None = None
    seen: set[str] = set()
    preamble_reported = False

    def close() -> None:
        if current is not None:
            screens.append(_screen(*current, issues))

    for block in blocks:
        first = block[0]
        key = str(first.attrs.get("id", ""))
        if first.type == "heading_open" and (first.tag == "h2" or key):
            close()
            title = block[1].content if len(block) > 1 else ""
            if not key:
                issues.append(Issue("markdown", f"heading '## {title}' has no {{#key}} line above"))
            elif _KEY.fullmatch(key) is None:
                issues.append(Issue("markdown", f"key {{#{key}}}: use a-z, 0-9 and '-'", key))
            if first.tag != "h2":
                issues.append(Issue("markdown", "a screen heading must start with '## '", key))
            if key and key in seen:
                issues.append(Issue("markdown", f"key {{#{key}}} is used twice", key))
            seen.add(key)
            current = (key, str(first.attrs.get("source", "")), block, [])
            continue
        if key:
            issues.append(
                Issue("markdown", f"key line {{#{key}}} must be followed by a '## ' heading", key)
            )
        elif first.type == "paragraph_open" and block[1].content.lstrip().startswith("{#"):
            line = block[1].content.splitlines()[0]
            issues.append(Issue("markdown", f"key line {line!r} is not understood"))
        if current is None:
            if not preamble_reported:
                issues.append(Issue("markdown", "text before the first screen is never shown"))
                preamble_reported = True
            continue
        current[3].extend(block)
    close()
    return tuple(screens)


def _screen(
    key: str, source: str, heading: list[Token], body: list[Token], issues: list[Issue]
) -> Screen:
    title = render_tokens(heading)
    rendered = render_tokens(body)
    problems = (*title.problems, *rendered.problems)
    issues.extend(Issue("markdown", problem, key) for problem in problems)
    html = f"{title.html}\n\n{rendered.html}" if rendered.html else title.html
    if not rendered.html:
        issues.append(Issue("markdown", "the screen has no text", key))
    plain = plain_text(html)
    return Screen(
        key=key,
        title=plain_text(title.html),
        html=html,
        plain_length=len(plain),
        prompts=rendered.prompts,
        links=(*title.links, *rendered.links),
        shape=_shape(body),
        numbers=tuple(sorted(_NUMBER.findall(plain), key=int)),
        labels=_labels(body),
        version=text_version(html),
        source=source,
    )


_NUMBER = re.compile(r"\d+")


def text_version(text: str) -> str:
    """A short hash of a text: what review records and translations refer to."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


def _shape(body: Sequence[Token]) -> tuple[str, ...]:
    """The screen's blocks in order: "p", "ul3" (3 items), "ol4", "q2" (2 quoted lines)."""
    shape: list[str] = []
    for block in _top_level_blocks(body):
        first = block[0]
        if first.type == "paragraph_open":
            shape.append("p")
        elif first.type in ("bullet_list_open", "ordered_list_open"):
            items = sum(1 for t in block if t.type == "list_item_open" and t.level == 1)
            shape.append(("ul" if first.type == "bullet_list_open" else "ol") + str(items))
        elif first.type == "blockquote_open":
            lines = sum(len(t.content.splitlines()) for t in block if t.type == "inline")
            shape.append(f"q{lines}")
        else:
            shape.append(first.type.removesuffix("_open"))
    return tuple(shape)


def _labels(body: Sequence[Token]) -> tuple[str, ...]:
    """The bold words that open each list item ("- **Attendance**: ..."), "" where none does."""
    labels: list[str] = []
    for index, token in enumerate(body):
        if token.type != "list_item_open":
            continue
        inline = next((t for t in body[index + 1 : index + 3] if t.type == "inline"), None)
        children = inline.children if inline is not None and inline.children else []
        # The parser may start an inline with an empty text before the bold.
        children = [c for c in children if not (c.type == "text" and not c.content)]
        opens_bold = len(children) >= 3 and children[0].type == "strong_open"
        labels.append(children[1].content.strip() if opens_bold else "")
    return tuple(labels)
