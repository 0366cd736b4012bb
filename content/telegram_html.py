"""Markdown (as markdown-it tokens) to the HTML subset of Telegram's ``parse_mode=HTML``.

Telegram refuses a whole message when it meets one tag or entity it does not know
("can't parse entities: Unsupported start tag ..."), so this module emits only ``b i u s code pre
blockquote`` and ``a href``, escapes every piece of text, and offers :func:`validate_html` to prove
it. Line breaks are plain newlines: Telegram has no paragraph or list tags.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser

from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode

ALLOWED_TAGS = frozenset({"b", "i", "u", "s", "code", "pre", "blockquote", "a"})
# Telegram knows only these four named entities; numeric ones (&#39;) are accepted too.
ALLOWED_ENTITIES = frozenset({"lt", "gt", "amp", "quot"})

BULLET = "•"
# A target such as ``week-05`` or ``week-07#watch``: another guide, optionally one of its screens.
INTERNAL_TARGET = re.compile(r"[a-z0-9][a-z0-9_-]*(?:#[a-z0-9][a-z0-9_-]*)?")
# Markdown's raw HTML is disabled, so a tag typed in a guide would reach the reader as visible text.
_RAW_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_TAG = re.compile(r"<[^>]*>")


def escape(text: str) -> str:
    """Escape text for Telegram HTML: only &amp; &lt; &gt; &quot;, never &#x27;."""
    # html.escape(quote=True) would turn ' into &#x27;, which Telegram rejects.
    return html.escape(text, quote=False).replace('"', "&quot;")


def plain_text(telegram_html: str) -> str:
    """The text a reader sees once Telegram has parsed the tags and entities."""
    return html.unescape(_TAG.sub("", telegram_html))


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's message limits."""
    return len(text.encode("utf-16-le")) // 2


def is_internal_target(href: str) -> bool:
    """True for links to another guide (``week-05``) or screen (``week-07#watch``)."""
    return INTERNAL_TARGET.fullmatch(href) is not None


def is_external_target(href: str) -> bool:
    """True for the only URLs Telegram turns into tappable links here."""
    return href.startswith(("https://", "http://"))


@dataclass(frozen=True)
class Rendered:
    """One rendered stretch of Markdown and what was found while rendering it."""

    html: str
    prompts: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()


@dataclass
class _State:
    prompts: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    quote_depth: int = 0
    list_depth: int = 0
    in_link: bool = False
    bold: int = 0
    italic: int = 0


def render_tokens(tokens: Sequence[Token]) -> Rendered:
    """Render block-level markdown-it tokens to Telegram HTML.

    Paragraphs and other blocks are separated by a blank line, list items start with ``•`` or
    their number, headings become bold lines, and quoted lines become a ``<blockquote>`` in which
    each line is one prompt. Internal links are shown as bold (or italic inside bold) text and
    collected in ``links``; the bot turns them into buttons.
    """
    state = _State()
    root = SyntaxTreeNode(list(tokens))
    text = _blocks(root.children, state, "\n\n")
    return Rendered(text, tuple(state.prompts), tuple(state.links), tuple(state.problems))


def _blocks(nodes: Sequence[SyntaxTreeNode], state: _State, separator: str) -> str:
    parts = [_block(node, state) for node in nodes]
    return separator.join(part for part in parts if part)


def _block(node: SyntaxTreeNode, state: _State) -> str:
    kind = node.type
    if kind == "paragraph":
        text = _inline_children(node, state)
        if state.quote_depth:
            state.prompts.extend(
                line.strip() for line in plain_text(text).split("\n") if line.strip()
            )
        return text
    if kind == "heading":
        state.bold += 1
        title = _inline_children(node, state)
        state.bold -= 1
        return _styled("b", title)
    if kind in ("bullet_list", "ordered_list"):
        return _list(node, state)
    if kind == "blockquote":
        return _blockquote(node, state)
    if kind in ("fence", "code_block"):
        code = escape(node.content.rstrip("\n"))
        # Telegram lets no other entity hold a pre block.
        return code if state.quote_depth or state.list_depth else f"<pre>{code}</pre>"
    if kind == "hr":
        return ""
    if kind == "table":
        state.problems.append("tables are not supported; use a list")
        return "\n".join(_table_rows(node, state))
    if kind == "front_matter":
        return ""
    state.problems.append(f"unsupported Markdown block: {kind}")
    return escape(node.content)


def _list(node: SyntaxTreeNode, state: _State) -> str:
    ordered = node.type == "ordered_list"
    start = int(node.attrs.get("start", 1)) if ordered else 1
    indent = "   " * state.list_depth
    state.list_depth += 1
    lines = []
    for number, item in enumerate(node.children, start=start):
        marker = f"{item.info or number}." if ordered else BULLET
        body = _blocks(item.children, state, "\n")
        first, *rest = body.split("\n") if body else [""]
        lines.append(f"{indent}{marker} {first}")
        # Nested lists arrive already indented; continuation paragraphs align under the text.
        pad = indent + " " * (len(marker) + 1)
        lines.extend(line if line.startswith(" ") or not line else pad + line for line in rest)
    state.list_depth -= 1
    return "\n".join(lines)


def _blockquote(node: SyntaxTreeNode, state: _State) -> str:
    # Telegram refuses a blockquote inside another one, and a quote that starts mid-line in a
    # list item reads badly: only a top-level quote becomes a <blockquote>, others turn italic.
    top_level = state.quote_depth == 0 and state.list_depth == 0
    state.quote_depth += 1
    inner = _blocks(node.children, state, "\n")
    state.quote_depth -= 1
    if not inner:
        return ""
    if top_level:
        return f"<blockquote>{inner}</blockquote>"
    return inner if state.quote_depth else _styled("i", inner)


def _table_rows(node: SyntaxTreeNode, state: _State) -> list[str]:
    rows = []
    for section in node.children:
        for row in section.children:
            cells = [_inline_children(cell, state) for cell in row.children]
            rows.append(" | ".join(cells))
    return rows


def _inline_children(node: SyntaxTreeNode, state: _State) -> str:
    inline = node.children[0] if node.children else None
    if inline is None:
        return ""
    return "".join(_inline(child, state) for child in inline.children).strip()


def _inlines(node: SyntaxTreeNode, state: _State) -> str:
    return "".join(_inline(child, state) for child in node.children)


def _styled(tag: str, inner: str) -> str:
    if not inner.strip():
        return inner
    return f"<{tag}>{inner}</{tag}>"


def _inline(node: SyntaxTreeNode, state: _State) -> str:
    kind = node.type
    if kind == "text":
        if _RAW_TAG.search(node.content):
            state.problems.append(f"raw HTML is shown as text: {node.content.strip()[:60]!r}")
        return escape(node.content)
    if kind == "softbreak":
        # A wrapped source line is one paragraph, except in a quote, where each line is a prompt.
        return "\n" if state.quote_depth else " "
    if kind == "hardbreak":
        return "\n"
    if kind == "strong":
        state.bold += 1
        inner = _inlines(node, state)
        state.bold -= 1
        return _styled("b", inner)
    if kind == "em":
        state.italic += 1
        inner = _inlines(node, state)
        state.italic -= 1
        return _styled("i", inner)
    if kind == "s":
        return _styled("s", _inlines(node, state))
    if kind == "code_inline":
        code = escape(node.content)
        # A link may not hold a code entity in Telegram.
        return code if state.in_link else f"<code>{code}</code>"
    if kind == "link":
        return _link(node, state)
    if kind == "image":
        state.problems.append("images are not shown; the bot sends text only")
        return escape(_alt_text(node))
    state.problems.append(f"unsupported Markdown: {kind}")
    return escape(node.content)


def _link(node: SyntaxTreeNode, state: _State) -> str:
    href = str(node.attrs.get("href", ""))
    if state.in_link:
        return _inlines(node, state)
    state.in_link = True
    inner = _inlines(node, state)
    state.in_link = False
    if is_external_target(href):
        return f'<a href="{escape(href)}">{inner}</a>'
    if is_internal_target(href):
        state.links.append(href)
        if not state.bold:
            return _styled("b", inner)
        return inner if state.italic else _styled("i", inner)
    state.problems.append(
        f"link target {href!r} is neither an http(s) address nor a guide "
        "(write (week-05) or (week-07#watch))"
    )
    return inner


def _alt_text(node: SyntaxTreeNode) -> str:
    return "".join(child.content for child in node.walk() if child.type == "text")


class _Validator(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.errors.append(f"unsupported start tag <{tag}>")
            return
        names = [name for name, _ in attrs]
        if tag == "a":
            if names != ["href"] or not attrs[0][1]:
                self.errors.append("<a> needs exactly one non-empty href attribute")
        elif tag == "blockquote":
            if names not in ([], ["expandable"]):
                self.errors.append(f"unsupported attributes on <blockquote>: {names}")
        elif names:
            self.errors.append(f"unsupported attributes on <{tag}>: {names}")
        if any(open_tag in ("code", "pre") for open_tag in self.stack) and not (
            tag == "code" and self.stack[-1:] == ["pre"]
        ):
            self.errors.append(f"<{tag}> inside code or pre")
        if tag == "blockquote" and "blockquote" in self.stack:
            self.errors.append("blockquote inside blockquote")
        if tag in ("a", "code", "pre") and "a" in self.stack:
            self.errors.append(f"<{tag}> inside a link")
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.errors.append(f"unsupported tag <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if tag not in ALLOWED_TAGS:
            self.errors.append(f"unsupported end tag </{tag}>")
        elif not self.stack or self.stack[-1] != tag:
            self.errors.append(f"end tag </{tag}> does not close the open tag")
        else:
            self.stack.pop()

    def handle_entityref(self, name: str) -> None:
        if name not in ALLOWED_ENTITIES:
            self.errors.append(f"unsupported entity &{name};")

    def handle_charref(self, name: str) -> None:
        pass

    def handle_data(self, data: str) -> None:
        for char in "<>&":
            if char in data:
                self.errors.append(f"unescaped {char!r} in text")

    def handle_comment(self, data: str) -> None:
        self.errors.append("HTML comment")

    def handle_decl(self, decl: str) -> None:
        self.errors.append(f"declaration <!{decl}>")

    def handle_pi(self, data: str) -> None:
        self.errors.append("processing instruction")

    def unknown_decl(self, data: str) -> None:
        self.errors.append(f"declaration <![{data}]>")


def validate_html(telegram_html: str) -> list[str]:
    """Everything in ``telegram_html`` that Telegram's HTML parse mode would refuse."""
    validator = _Validator()
    validator.feed(telegram_html)
    validator.close()
    # HTMLParser keeps an unterminated tag ("<b") as pending text instead of reporting it.
    if validator.rawdata:
        validator.errors.append(f"unparsed text at the end: {validator.rawdata[:20]!r}")
    validator.errors.extend(f"<{tag}> is never closed" for tag in reversed(validator.stack))
    return validator.errors
