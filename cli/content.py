"""The guides and their review: check, export, stamp translations, review coverage, reviewers."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cli.setup import opened, run_async
from models.settings import LANGUAGES, Settings

if TYPE_CHECKING:
    from content.review import ReviewItem
    from models.reviews import Versions


def cmd_content(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "check":
        from content.check import run_check

        return run_check()
    if args.action == "stamp":
        return _stamp(args.lang, args.targets)
    if args.action == "review":
        return _review(settings, args)
    return _export(settings, args)


@run_async
async def _export(settings: Settings, args: argparse.Namespace) -> int:
    """The handbook, each screen marked as a draft unless reviewed in this deployment."""
    from content.export import export_handbook
    from content.review import review_items
    from models import reviews

    reviewed = {}
    async with opened(settings, read_only=True) as db, db.read() as session:
        for lang in LANGUAGES:
            items = [_versions(item) for item in review_items(lang) if item.kind == "screen"]
            reviewed[lang] = frozenset(await reviews.approved(session, lang, items))
    pages = await asyncio.to_thread(export_handbook, args.out, None, reviewed)
    print(f"wrote {len(pages)} pages to {args.out}")
    return 0


def _stamp(lang: str, targets: Sequence[str]) -> int:
    from content.alignment import stamp
    from content.guides import SOURCE_LANG, Library

    if lang not in LANGUAGES or lang == SOURCE_LANG:
        others = ", ".join(code for code in LANGUAGES if code != SOURCE_LANG)
        print(f"a translation's language is one of {others}")
        return 2
    stamped = stamp(Library.load(), lang, targets)
    print(f"{len(stamped)} screens of {lang} now translate the current source")
    return 0


@run_async
async def _review(settings: Settings, args: argparse.Namespace) -> int:
    from content.review import review_items
    from models import reviews

    languages = [args.lang] if args.lang else list(LANGUAGES)
    async with opened(settings, read_only=True) as db, db.read() as session:
        print("Review coverage: reviewed = approved and unchanged since; due = not reviewed")
        print(f"{'lang':<6}{'items':<20}{'total':>6}{'reviewed':>10}{'stale':>7}{'due':>6}")
        for lang in languages:
            items = review_items(lang)
            for kind, chosen in (
                ("screens", [i for i in items if i.kind == "screen"]),
                ("  of them safety", [i for i in items if i.safety]),
                ("interface strings", [i for i in items if i.kind == "string"]),
            ):
                if not chosen:
                    continue
                found = await reviews.coverage(session, lang, [_versions(i) for i in chosen])
                print(
                    f"{lang:<6}{kind:<20}{found.total:>6}{found.reviewed:>10}"
                    f"{found.stale:>7}{found.due:>6}"
                )
            notes = await reviews.comments(session, lang)
            suggestions = sum(1 for note in notes if note.verdict == reviews.Verdict.SUGGESTION)
            print(f"{lang:<6}suggestions {suggestions}, for discussion {len(notes) - suggestions}")
        if args.export:
            from exports.reviews import review_notes, write_files

            gathered = [await review_notes(session, lang) for lang in languages]
            written = await asyncio.to_thread(write_files, gathered, args.export)
            print(f"wrote {', '.join(str(path) for path in written)}")
    return 0


def _versions(item: ReviewItem) -> Versions:
    from models.reviews import Versions

    return Versions(item.key, item.source_version, item.version)


@run_async
async def cmd_reviewer(settings: Settings, args: argparse.Namespace) -> int:
    from models import reviews

    async with opened(settings) as db, db.write() as session:
        if args.action == "list":
            for reviewer in await reviews.reviewers(session):
                print(f"user {reviewer.user_id:>5}  {reviewer.lang}  {reviewer.name}")
            return 0
        if args.action == "grant":
            await reviews.grant_reviewer(
                session, user_id=args.user_id, lang=args.lang, name=args.name, actor_id=None
            )
            print(f"user {args.user_id} reviews {args.lang} as {args.name!r}")
        else:
            await reviews.revoke_reviewer(
                session, user_id=args.user_id, lang=args.lang, actor_id=None
            )
            print(f"user {args.user_id} no longer reviews {args.lang}")
    return 0


def cmd_referrals(settings: Settings, args: argparse.Namespace) -> int:
    """The referral directory: problems in the file, or what one area's facilitators see."""
    from content.referrals import default_directory

    directory = default_directory()
    for problem in directory.problems:
        print(f"content/referrals.yaml: {problem}")
    if args.action == "check":
        missing = [kind for kind, entries in directory.services([]) if not entries]
        areas = ", ".join(sorted(directory.areas)) or "none"
        print(f"areas listed: {areas}")
        if missing:
            print(f"to be completed for the whole country: {', '.join(missing)}")
        return 1 if directory.problems else 0
    path = [part for part in args.path.strip("/").split("/") if part]
    for kind, entries in directory.services(path):
        if not entries:
            print(f"{kind:<13} to be completed by your programme")
        for entry in entries:
            details = ", ".join(x for x in (entry.place, entry.phone, entry.hours) if x)
            print(f"{kind:<13} {entry.name}" + (f" ({details})" if details else ""))
    return 1 if directory.problems else 0
