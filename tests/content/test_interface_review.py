"""The Kirundi interface strings and their review state.

A string no native speaker has checked yet carries the translator comment ``# unreviewed``; it is
still shown in Kirundi (a comment, not the ``fuzzy`` flag, which gettext would leave out of the
compiled catalog, so the interface would fall back to English). A reviewer's approval is written
into the exported catalog as ``# reviewed by <name>, <date>``.
"""

from __future__ import annotations

import gettext
import io
import re
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from content.review import UNREVIEWED_COMMENT, item_index, string_key
from exports.reviews import review_notes, write_catalog
from locales import DOMAIN, LOCALES_DIR, cached_translations, translator
from locales.catalogs import PLURALS
from models import reviews
from models.clock import clock
from models.db import Database
from models.users import Role
from tests.support import factories

PO_PATH = LOCALES_DIR / "rn" / "LC_MESSAGES" / f"{DOMAIN}.po"
MO_PATH = PO_PATH.with_suffix(".mo")


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def msgid(message: Message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def is_unreviewed(message: Message) -> bool:
    return any(comment.strip() == UNREVIEWED_COMMENT for comment in message.user_comments)


def translations(catalog: Catalog) -> dict[tuple[str | None, str], object]:
    """Every translated message: (context, id) -> its msgstr (a tuple for plural forms)."""
    return {(m.context, msgid(m)): m.string for m in catalog if m.id and m.string}


def served(translations_: gettext.NullTranslations, message: Message) -> object:
    """What the bot shows for ``message``: one string, or the forms for 1 and 2."""
    context = message.context or ""
    if isinstance(message.id, str):
        return translations_.pgettext(context, message.id)
    singular, plural = message.id[0], message.id[1]
    return (
        translations_.npgettext(context, singular, plural, 1),
        translations_.npgettext(context, singular, plural, 2),
    )


def test_kirundi_strings_not_yet_reviewed_are_shown_in_kirundi() -> None:
    catalog = read_catalog(PO_PATH)
    unreviewed = [m for m in catalog if m.id and m.string and is_unreviewed(m)]
    assert len(unreviewed) > 100
    # One string as a facilitator sees it: the Kirundi, not the English message id.
    example = next(m for m in unreviewed if isinstance(m.id, str) and m.context == "guide")
    shown = translator("rn").pgettext(example.context or "", msgid(example))
    assert shown == example.string and shown != example.id
    # And every other one: a comment, never the fuzzy flag that would drop it.
    assert [msgid(m) for m in unreviewed if m.fuzzy] == []
    bot = cached_translations("rn")
    assert [msgid(m) for m in unreviewed if served(bot, m) != m.string] == []


def test_the_bot_reads_the_compiled_kirundi_catalog() -> None:
    # The bot's translations come from locales/rn/LC_MESSAGES/messages.mo, compiled from the .po
    # (python bot.py compiles it when it is missing or older; the tests compile it at start).
    assert gettext.find(DOMAIN, localedir=LOCALES_DIR, languages=["rn"]) == str(MO_PATH)
    assert MO_PATH.stat().st_mtime >= PO_PATH.stat().st_mtime
    with MO_PATH.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    catalog = read_catalog(PO_PATH)
    example = next(m for m in catalog if m.id and m.string and is_unreviewed(m))
    assert served(compiled, example) == example.string
    assert served(cached_translations("rn"), example) == example.string
    assert isinstance(cached_translations("rn"), gettext.GNUTranslations)


async def test_an_approval_is_written_into_the_exported_catalog(
    db: Database, tmp_path: Path
) -> None:
    before = PO_PATH.read_bytes()
    source = read_catalog(PO_PATH)
    index = item_index("rn")
    candidates = [
        index[key]
        for m in source
        if m.id and m.string and is_unreviewed(m)
        if (key := string_key(m.context, msgid(m))) in index
    ]
    approved_item, suggested_item = candidates[0], candidates[1]
    clock.set(datetime(2026, 12, 7, 9, 30, tzinfo=UTC))
    async with db.write() as session:
        group = await factories.group(session)
        person = await factories.user(
            session, 901, Role.FACILITATOR, group_id=group.id, language="rn"
        )
        await reviews.grant_reviewer(
            session, user_id=person.id, lang="rn", name="Claudine N.", actor_id=None
        )
        for item, verdict, suggestion in (
            (approved_item, reviews.Verdict.APPROVED, None),
            (suggested_item, reviews.Verdict.SUGGESTION, "Ijambo  ryiza\n kuruta"),
        ):
            versions = reviews.Versions(item.key, item.source_version, item.version)
            await reviews.record_review(
                session,
                user_id=person.id,
                lang="rn",
                seen=versions,
                now=versions,
                verdict=verdict,
                suggestion=suggestion,
            )
    async with db.read() as session:
        notes = await review_notes(session, "rn")
    path = write_catalog(notes, tmp_path)
    assert path == tmp_path / "messages-rn.po"
    assert PO_PATH.read_bytes() == before, "the catalog in locales/ is left as it is"

    written = read_catalog(path)
    comments = {string_key(m.context, msgid(m)): m.user_comments for m in written if m.id}
    assert comments[approved_item.key] == ["reviewed by Claudine N., 2026-12-07"]
    assert comments[suggested_item.key] == [
        UNREVIEWED_COMMENT,
        "suggestion (Claudine N., 2026-12-07): Ijambo ryiza kuruta",
    ]
    others = {
        string_key(m.context, msgid(m)): m.user_comments
        for m in source
        if m.id and string_key(m.context, msgid(m)) not in (approved_item.key, suggested_item.key)
    }
    assert {key: comments[key] for key in others} == others
    assert sum(is_unreviewed(m) for m in written) == sum(is_unreviewed(m) for m in source) - 1
    text = path.read_text(encoding="utf-8")
    assert text.count("\n# reviewed by Claudine N., 2026-12-07\n") == 1
    assert re.search(r"^#,.*\bfuzzy\b", text, re.M) is None
    assert not any(m.fuzzy for m in written)
    plural_forms = dict(source.mime_headers)["Plural-Forms"]
    assert dict(written.mime_headers)["Plural-Forms"] == plural_forms == PLURALS["rn"]

    # It compiles, and every translation is still in what the bot would load.
    assert translations(written) == translations(source)
    buffer = io.BytesIO()
    write_mo(buffer, written, use_fuzzy=False)
    buffer.seek(0)
    compiled = gettext.GNUTranslations(buffer)
    lost = [msgid(m) for m in source if m.id and m.string and served(compiled, m) != m.string]
    assert lost == []
