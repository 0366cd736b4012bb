"""What reviewers said, in a form the content maintainer can apply.

- ``suggestions-<lang>.md``: each suggestion and each item marked for discussion, with the text as
  it is now, its source, who said it and when. Guide screens are edited in content/guides/.
- ``messages-<lang>.po``: the language's catalog with its review state in translator comments,
  which Poedit and Weblate show: ``# unreviewed`` is gone from every string approved as it is now,
  replaced by ``# reviewed by <name>, <date>``; a suggestion is added as ``# suggestion (<name>,
  <date>): <text>``. The ``fuzzy`` flag is never used for this: gettext leaves fuzzy strings out of
  the compiled catalog, and the interface would fall back to English. Copy the file over
  locales/<lang>/LC_MESSAGES/messages.po after reading it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from babel.messages.pofile import read_po, write_po
from sqlalchemy.ext.asyncio import AsyncSession

from content.review import LOCALES_DIR, UNREVIEWED_COMMENT, item_index, string_key
from content.telegram_html import plain_text
from models import reviews


@dataclass(frozen=True)
class ReviewNotes:
    """One language's approvals and comments, read from the database."""

    lang: str
    approvals: list[reviews.ContentReview]
    comments: list[reviews.ContentReview]


async def review_notes(session: AsyncSession, lang: str) -> ReviewNotes:
    return ReviewNotes(
        lang, await reviews.approvals(session, lang), await reviews.comments(session, lang)
    )


def write_files(found: list[ReviewNotes], folder: Path) -> list[Path]:
    """Both files for each language; returns the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for notes in found:
        written.append(write_suggestions(notes, folder))
        catalog = write_catalog(notes, folder)
        if catalog is not None:
            written.append(catalog)
    return written


def write_suggestions(found: ReviewNotes, folder: Path) -> Path:
    lang = found.lang
    index = item_index(lang)
    lines = [f"# Review comments: {lang}", ""]
    notes = found.comments
    if not notes:
        lines.append("No suggestions and nothing marked for discussion.")
    for note in notes:
        item = index.get(note.item)
        what = "Suggestion" if note.verdict == reviews.Verdict.SUGGESTION else "For discussion"
        lines += [
            f"## {note.item}: {item.title if item else '(no longer in the content)'}",
            "",
            f"{what} by {note.reviewer_name}, {note.created_at:%Y-%m-%d}.",
        ]
        if item is not None and (item.source_version, item.version) != (
            note.source_version,
            note.text_version,
        ):
            lines.append("The text has changed since: check whether this still applies.")
        if item is not None and item.source_html:
            lines += ["", "Source:", "", _quoted(item.source_html)]
        if item is not None:
            lines += ["", "Now:", "", _quoted(item.html)]
        if note.suggestion:
            lines += ["", "Suggested:", "", _quoted(note.suggestion)]
        lines.append("")
    path = folder / f"suggestions-{lang}.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _quoted(text: str) -> str:
    return "\n".join(f"> {line}" for line in plain_text(text).splitlines())


def write_catalog(found: ReviewNotes, folder: Path) -> Path | None:
    lang = found.lang
    source = LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not source.exists():
        return None
    with source.open("rb") as handle:
        catalog = read_po(handle)
    index = item_index(lang)
    approved: dict[str, str] = {}
    for record in found.approvals:
        item = index.get(record.item)
        if item is not None and item.versions == (record.source_version, record.text_version):
            when = f"{record.created_at:%Y-%m-%d}"
            approved[record.item] = f"reviewed by {record.reviewer_name}, {when}"
    suggested: dict[str, list[str]] = {}
    for note in found.comments:
        if note.suggestion:
            suggested.setdefault(note.item, []).append(
                f"suggestion ({note.reviewer_name}, {note.created_at:%Y-%m-%d}): "
                + " ".join(note.suggestion.split())
            )
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        key = string_key(message.context, msgid)
        comments = [c for c in message.user_comments if not c.startswith("suggestion (")]
        if key in approved:
            comments = [c for c in comments if c.strip() != UNREVIEWED_COMMENT]
            comments = [c for c in comments if not c.startswith("reviewed by ")]
            comments.append(approved[key])
        comments += suggested.get(key, [])
        message.user_comments = comments
    path = folder / f"messages-{lang}.po"
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100)
    return path
