"""What the adversarial and property suites share: a world with victims and attackers, markers
that must never reach an attacker, database snapshots whose rows are tagged by the group they
belong to, the harvest of every button the bot shows, forged variants of button data, and a
barrier that waits until the bot has handled every update sent so far.

The world (ids are created attackers first, so that "id + 1" of a victim's record is never an
attacker's own record):

    Gitega (province)
      Bugendana (commune)  coordinator B · Mugera: group D
      Giheta (commune)     coordinator A
        Mubuga             group B, led by facilitator B
        Kwzqhill           victim groups A (week 1) and C (after week 15), led by facilitator A;
                           a revoked facilitator used to lead A
    plus an admin, a trainee and a stranger who never redeemed an invite.

Everything that identifies the victims carries the marker "Kwzq" (group, colline and
self-help names, participant codes, the agreement's summary and reference, the reflection's
note), so one case-insensitive search of an attacker's chat finds any leak.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select, update
from telegram import Update
from telegram.ext import CallbackQueryHandler, TypeHandler

from locales import translator
from models import agreements, roster, users
from models.audit import AuditEntry
from models.db import Database
from models.groups import Group
from models.registry import metadata
from models.users import Role, User
from tests.support import factories
from tests.support.tgserver import BotMessage, TelegramTestServer, TestUser

MARKER = "kwzq"
LANG = "fr"
# Wednesday 25 November 2026, 14:00 in Bujumbura; every group meets on Wednesdays at 09:00.
T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
START = date(2026, 11, 4)

# Bookkeeping, not records: handled updates, heartbeat, persisted conversation state, message
# ids for /wipe, and the audit log (checked on its own: see `audit_findings`).
BOOKKEEPING = frozenset(
    {
        "processed_updates",
        "service_state",
        "user_data",
        "chat_messages",
        "audit_log",
    }
)
# Delivery bookkeeping of outbox rows; which rows exist, for whom and about what is compared.
OUTBOX_DELIVERY = frozenset(
    {"status", "attempts", "next_attempt_at", "sent_at", "telegram_message_id", "last_error"}
)
# What any registered person may change about themselves (/language, being reachable, the menu).
SELF_COLUMNS = frozenset(
    {
        "language",
        "language_chosen",
        "menu_key",
        "unreachable_at",
        # A coordinator's own choices in /report.
        "report_period",
        "report_area_id",
        "monthly_export",
        # The day they last used the bot (for the operator's `user list`).
        "last_active_on",
    }
)
# Polymorphic history rows name the table of the record they keep an earlier version of.
HISTORY_TABLES = {"attendance": "session_records", "reflection": "reflections"}
# Audit actions that are views of one's own scope, with no record named.
SCOPE_VIEWS = frozenset(
    {
        "pending.view",
        "groups.view",
        "report.view",
        "report.chart",
        "export.xlsx",
        "export.csv",
        "audit.view",
    }
)

ATTACKERS = ("facB", "coordB", "trainee", "revoked", "stranger")


def tr(context: str, msgid: str) -> str:
    return translator(LANG).pgettext(context, msgid)


# --- the barrier --------------------------------------------------------------------------------


class Barrier:
    """Counts the updates the application has finished handling (replies sent included)."""

    GROUP = 99  # after every flow and fallback: runs once the update's handler has returned

    def __init__(self, application: Any, tg: TelegramTestServer) -> None:
        self.tg = tg
        self.handled = 0
        application.add_handler(TypeHandler(Update, self._count), group=self.GROUP)

    async def _count(self, update: Update, context: Any) -> None:
        self.handled += 1

    @property
    def pushed(self) -> int:
        return self.tg._next_update_id - 1

    async def settle(self, within: float = 15.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while self.handled < self.pushed:
            if loop.time() > deadline:
                raise AssertionError(
                    f"the bot handled {self.handled} of {self.pushed} updates within {within} s"
                )
            await asyncio.sleep(0.002)


# --- errors logged by the application -----------------------------------------------------------


class ErrorLog(logging.Handler):
    """Collects ERROR records of the application's loggers (the error handler, the outbox, ...)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def __enter__(self) -> ErrorLog:
        for name in ("conversations", "models"):
            logging.getLogger(name).addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        for name in ("conversations", "models"):
            logging.getLogger(name).removeHandler(self)

    def lines(self) -> list[str]:
        return [f"{r.name}: {r.getMessage()} ({_error_name(r)})" for r in self.records]


def _error_name(record: logging.LogRecord) -> str:
    error = record.exc_info[0] if record.exc_info else None
    return error.__name__ if error is not None else "-"


# --- callback data: what the application registers, what the bot shows ------------------------


def registered_prefixes(application: Any) -> dict[str, str]:
    """The action of every CallbackQueryHandler (`^ag:k(:|$)` -> `ag:k`) and its flow module."""
    prefixes = {}
    for handlers in application.handlers.values():
        for handler in handlers:
            if not isinstance(handler, CallbackQueryHandler) or handler.pattern is None:
                continue
            raw = getattr(handler.pattern, "pattern", handler.pattern)
            match = re.fullmatch(r"\^(.+)\(:\|\$\)", str(raw))
            assert match, f"a callback pattern the suites do not understand: {raw!r}"
            action = re.sub(r"\\(.)", r"\1", match.group(1))
            prefixes[action] = str(getattr(handler.callback, "__module__", "?"))
    return prefixes


def prefix_of(data: str, prefixes: Iterable[str]) -> str | None:
    """The registered action a piece of data is routed to (the longest that matches)."""
    matching = [p for p in prefixes if data == p or data.startswith(p + ":")]
    return max(matching, key=len) if matching else None


def _markups(message: BotMessage) -> Iterator[dict[str, Any]]:
    for _, markup in message.history:
        if markup:
            yield markup
    if message.reply_markup:
        yield message.reply_markup


def callback_data(person: TestUser) -> list[str]:
    """Every callback_data the bot ever showed this person, in order, without repeats."""
    seen: dict[str, None] = {}
    for message in person.all_bot_messages:
        for markup in _markups(message):
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if "callback_data" in button:
                        seen.setdefault(button["callback_data"], None)
    return list(seen)


# --- leaks ---------------------------------------------------------------------------------------


def _document_texts(message: BotMessage) -> Iterator[str]:
    if message.document is None or message.document.data is None:
        return
    data = message.document.data
    if data[:2] == b"PK":  # XLSX: the strings are inside the zip
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                yield archive.read(name).decode("utf-8", "replace")
    else:
        yield data.decode("utf-8", "replace")


def leaks(person: TestUser, marker: str = MARKER) -> list[str]:
    """Everything shown to this person that carries the marker: texts, earlier versions of
    edited messages, button labels, files, pop-up answers.

    What the person typed themselves and sees echoed back (a reference or a code they chose
    that happens to look like the victims') is theirs, not a leak: whole words they typed are
    left out before the marker is looked for, so a victim's "KWZQ1" still counts after "KWZQ9"
    was typed.
    """
    typed = {
        word.lower()
        for m in person.user_messages
        for text in m.texts
        for word in re.findall(r"[\w/.-]+", text)
    }
    found = []
    for message in person.all_bot_messages:
        pieces = [message.text or "", message.plain]
        pieces += [text or "" for text, _ in message.history]
        pieces += [json.dumps(markup, ensure_ascii=False) for markup in _markups(message)]
        pieces += list(_document_texts(message))
        for piece in pieces:
            shown = " ".join(w for w in re.findall(r"[\w/.-]+", piece.lower()) if w not in typed)
            if marker in shown:
                found.append(f"message {message.message_id}: {piece[:160]!r}")
    for answer in person.callback_answers.values():
        if answer.text and marker in answer.text.lower():
            found.append(f"pop-up: {answer.text!r}")
    return found


# --- snapshots -----------------------------------------------------------------------------------

Row = dict[str, Any]
Snapshot = dict[str, dict[tuple[Any, ...], Row]]


async def snapshot(db: Database) -> Snapshot:
    """Every record table, row by row, keyed by primary key (bookkeeping left out)."""
    result: Snapshot = {}
    async with db.read() as session:
        for table in metadata.sorted_tables:
            if table.name in BOOKKEEPING:
                continue
            key = list(table.primary_key.columns)
            rows = (await session.execute(select(table).order_by(*key))).mappings().all()
            skip = OUTBOX_DELIVERY if table.name == "outbox" else frozenset()
            result[table.name] = {
                tuple(row[c.name] for c in key): {k: v for k, v in row.items() if k not in skip}
                for row in rows
            }
    return result


_LINKS: dict[str, list[tuple[str, str]]] = {
    table.name: [
        (fk.parent.name, fk.column.table.name)
        for fk in table.foreign_keys
        if fk.column.table.name not in ("users", "areas")
    ]
    for table in metadata.sorted_tables
}


def owner(table: str, row: Row, *snapshots: Snapshot) -> int | None:
    """The group a row belongs to (through its foreign keys), or None for global rows."""
    if table == "groups":
        return int(row["id"])
    links = list(_LINKS.get(table, []))
    if table == "record_history" and row.get("record_type") in HISTORY_TABLES:
        links.append(("record_id", HISTORY_TABLES[row["record_type"]]))
    if table == "outbox":
        data = json.loads(row.get("payload") or "{}")
        if "group_id" in data:
            return int(data["group_id"])
        if "agreement_id" in data:
            row = {"agreement_id": data["agreement_id"]}
            links = [("agreement_id", "agreements")]
    for column, target in links:
        value = row.get(column)
        if value is None:
            continue
        if target == "groups":
            return int(value)
        for snap in snapshots:
            parent = snap.get(target, {}).get((value,))
            if parent is not None:
                return owner(target, parent, *snapshots)
    return None


@dataclass(frozen=True)
class Change:
    table: str
    key: tuple[Any, ...]
    group: int | None
    before: Row | None
    after: Row | None

    def columns(self) -> set[str]:
        if self.before is None or self.after is None:
            return {"<row>"}
        return {k for k in self.after if self.before.get(k) != self.after.get(k)}

    def __str__(self) -> str:
        what = (
            "added"
            if self.before is None
            else "removed"
            if self.after is None
            else "changed " + ",".join(sorted(self.columns()))
        )
        return f"{self.table}{list(self.key)} (group {self.group}) {what}"


def changes(before: Snapshot, after: Snapshot) -> list[Change]:
    found = []
    for table in after:
        old, new = before.get(table, {}), after[table]
        for key in old.keys() | new.keys():
            a, b = old.get(key), new.get(key)
            if a != b:
                row = b if b is not None else a
                assert row is not None
                found.append(Change(table, key, owner(table, row, after, before), a, b))
    return sorted(found, key=str)


def forbidden(
    found: Iterable[Change], *, allowed_groups: set[int], actor_ids: set[int]
) -> list[Change]:
    """Changes outside what the actors may change: rows of their own groups, and a few
    columns of their own account."""
    bad = []
    for change in found:
        if change.group is not None and change.group in allowed_groups:
            continue
        if (
            change.table == "users"
            and change.key[0] in actor_ids
            and change.columns() <= SELF_COLUMNS
        ):
            continue
        if _deletes_own_message(change, actor_ids):
            continue
        bad.append(change)
    return bad


def _deletes_own_message(change: Change, actor_ids: set[int]) -> bool:
    """The deletion of a message the actor typed, from the actor's own chat (a name typed
    where a code was expected): theirs, and about no group."""
    row = change.after
    return (
        change.table == "outbox"
        and change.before is None
        and row is not None
        and row["kind"] == "delete_typed"
        and row["recipient_id"] in actor_ids
    )


def groups_of(records: Snapshot, user_id: int | None) -> set[int]:
    """The groups a user may act on, by the programme's rule (not by models.scope, which is
    what is being tested): an admin all, a coordinator those under their area, a facilitator
    those they lead; nobody else, and nobody revoked."""
    user = records["users"].get((user_id,))
    if user is None or user["revoked_at"] is not None:
        return set()
    groups = records["groups"].values()
    if user["role"] == Role.ADMIN:
        return {g["id"] for g in groups}
    if user["role"] == Role.COORDINATOR and user["area_id"] is not None:
        path = records["areas"][(user["area_id"],)]["path"]
        return {g["id"] for g in groups if g["area_path"].startswith(path)}
    if user["role"] == Role.FACILITATOR:
        return {
            m["group_id"]
            for m in records["group_members"].values()
            if m["user_id"] == user_id and m["left_at"] is None
        }
    return set()


AUDITED_TABLES = {
    "agreement": "agreements",
    "group": "groups",
    "participant": "participants",
    "reflection": "reflections",
    "session": "session_records",
    "invite": "invites",
}


async def audit_findings(
    db: Database, after_id: int, own: dict[int, set[int]], records: Snapshot
) -> list[str]:
    """Audit entries since `after_id` by the users in `own` (user id -> their groups) that are
    not views of their own scope or acts on their own groups' records: any would mean an
    attacker viewed or changed something that is not theirs."""
    found = []
    async with db.read() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.id > after_id, AuditEntry.actor_id.in_(own))
        )
        for row in rows:
            if row.record_type is None and row.action in SCOPE_VIEWS:
                continue
            table = AUDITED_TABLES.get(row.record_type or "")
            record = records.get(table or "", {}).get((row.record_id,))
            assert row.actor_id is not None
            if record is not None and owner(table or "", record, records) in own[row.actor_id]:
                continue
            found.append(f"audit {row.action} {row.record_type} {row.record_id} by #{row.actor_id}")
    return found


async def last_audit_id(db: Database) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.max(AuditEntry.id))) or 0)


# --- forged variants of button data ----------------------------------------------------------


def mutations(data: str, prefix: str, victims: Iterable[int], own: int | None) -> list[str]:
    """Variants of `data`: each number + 1, 0, the victim groups' ids, the attacker's own
    group's id, huge (past PostgreSQL's integers), not a number; a part more, a part less, the
    bare action, 65 bytes, non-ASCII."""
    parts = data.split(":")
    fixed = len(prefix.split(":"))
    variants: list[str] = []

    def put(index: int, value: str) -> None:
        variants.append(":".join([*parts[:index], value, *parts[index + 1 :]]))

    for i in range(fixed, len(parts)):
        part = parts[i]
        if part.isdigit():
            for value in (int(part) + 1, 0, *victims, own, 999999999999):
                if value is not None:
                    put(i, str(value))
        put(i, "x" + part[:8])
    variants.append(data + ":1")
    if len(parts) > fixed:
        variants.append(":".join(parts[:-1]))
    variants.append(prefix)
    variants.append((data + ":" + "9" * 64)[:65])
    variants.append(data + "é")
    return list(dict.fromkeys(v for v in variants if v != data))


# --- the world ---------------------------------------------------------------------------------


@dataclass
class World:
    tg: TelegramTestServer
    app: Any
    db: Database
    barrier: Barrier
    people: dict[str, TestUser] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)

    async def settle(self) -> None:
        await self.barrier.settle()

    def group_ids(self, *names: str) -> list[int]:
        return [self.groups[n] for n in names]

    # --- acting as a person

    async def say(self, who: str, text: str) -> BotMessage | None:
        person = self.people[who]
        person.drain()
        await person.send(text)
        await self.settle()
        events = person.drain()
        return events[-1] if events else None

    def showing(self, who: str, label: str) -> BotMessage:
        """The newest message of this person with a button labelled `label`."""
        for message in reversed(self.people[who].messages):
            labels = message.labels
            if label in labels or any(label in text for text in labels):
                return message
        raise AssertionError(f"{who} sees no button {label!r}")

    async def press(self, who: str, label: str, message: BotMessage | None = None) -> BotMessage:
        person = self.people[who]
        person.drain()
        await person.tap(message or self.showing(who, label), label)
        await self.settle()
        events = person.drain()
        assert events, f"{who} tapped {label!r} and nothing was shown"
        return events[-1]

    async def press_data(self, who: str, data: str) -> BotMessage:
        """Taps the button carrying exactly this data on the newest message that shows it."""
        person = self.people[who]
        for message in reversed(person.messages):
            if any(d == data for row in message.buttons for _, d in row):
                person.drain()
                await person.tap_data(message, data)
                await self.settle()
                events = person.drain()
                assert events, f"{who} tapped {data!r} and nothing was shown"
                return events[-1]
        raise AssertionError(f"{who} sees no button with data {data!r}")

    async def crawl(self, who: str, command: str, prefixes: set[str], limit: int) -> int:
        """Opens `command`, then taps one button of each (action, first part) not tapped yet
        among `prefixes`, up to `limit` taps: for reading flows, where nothing is written."""
        await self.say(who, command)
        person = self.people[who]
        tapped: set[tuple[str, str]] = set()

        def kind(data: str) -> tuple[str, str] | None:
            prefix = prefix_of(data, prefixes)
            if prefix is None:
                return None
            rest = data.removeprefix(prefix).removeprefix(":")
            return prefix, rest.split(":")[0]

        for _ in range(limit):
            fresh = [
                (message, data)
                for message in reversed(person.messages)
                for row in message.buttons
                for _, data in row
                if data is not None and (k := kind(data)) is not None and k not in tapped
            ]
            if not fresh:
                return len(tapped)
            message, data = fresh[0]
            tapped.add(kind(data))  # type: ignore[arg-type]
            await person.tap_data(message, data)
            await self.settle()
        return len(tapped)

    async def forge(self, who: str, data: str) -> None:
        """A tap with arbitrary data, on a message of the person's own chat."""
        person = self.people[who]
        base = next((m for m in reversed(person.messages) if m.kind == "text"), None)
        if base is None:
            await person.send("/start" if who == "stranger" else "/help")
            await self.settle()
            base = next(m for m in reversed(person.messages) if m.kind == "text")
        await person.tap_data(base, data)
        await self.settle()


async def build_world(tg: TelegramTestServer, app: Any, db: Database, lang: str = LANG) -> World:
    world = World(tg=tg, app=app, db=db, barrier=Barrier(app, tg))
    # The suites run the sweep themselves when they move the clock; the bot's own run at the
    # same moment would race them for the same rows.
    for job in app.job_queue.get_jobs_by_name("sweep"):
        job.enabled = False
    async with db.write() as s:
        # Attackers' places and groups first: their ids are lower than any victim's.
        d = await factories.group(s, name="Mugera group", path="Gitega/Bugendana/Mugera")
        b = await factories.group(s, name="Mubuga group", path="Gitega/Giheta/Mubuga")
        a = await factories.group(s, name="Kwzq Amahoro", path="Gitega/Giheta/Kwzqhill")
        c = await factories.group(s, name="Kwzq Ubumwe", path="Gitega/Giheta/Kwzqhill")
        world.groups.update(D=d.id, B=b.id, A=a.id, C=c.id)
        await roster.add_codes(s, group=d, text="D1, D2, D3, D4", actor_id=None)
        await roster.add_codes(s, group=b, text="B1, B2, B3, B4, B5", actor_id=None)
        await roster.add_codes(s, group=a, text="KWZQ1, KWZQ2, KWZQ3, KWZQ4, KWZQ5", actor_id=None)
        await roster.add_codes(s, group=c, text="KWZQC1, KWZQC2, KWZQC3", actor_id=None)
        # C has done its 15 weeks: its facilitators may start the self-help group.
        await s.execute(update(Group).where(Group.id == c.id).values(current_week=16))

        async def person(name: str, telegram_id: int, role: Role, **kw: Any) -> User:
            user = await factories.user(s, telegram_id, role, language=lang, **kw)
            world.user_ids[name] = user.id
            return user

        fac_b = await person("facB", 2001, Role.FACILITATOR, group_id=b.id)
        await person("coordB", 2002, Role.COORDINATOR, area="Gitega/Bugendana")
        await person("trainee", 2003, Role.TRAINEE)
        revoked = await person("revoked", 2004, Role.FACILITATOR, group_id=a.id)
        fac_a = await person("facA", 1001, Role.FACILITATOR, group_id=a.id)
        code, _ = await users.create_invite(s, role=Role.FACILITATOR, group_id=c.id)
        await users.redeem_invite(s, telegram_id=1001, code=code, default_language=lang)
        await person("coordA", 1002, Role.COORDINATOR, area="Gitega/Giheta")
        admin = await person("admin", 1003, Role.ADMIN)
        await users.revoke_user(s, user_id=revoked.id, actor_id=admin.id)
        # The attackers have records of their own: an agreement each in B and D.
        await factories.agreement(s, group=b, reporter=fac_b, codes=("B1", "B2"), reached_on=START)
        await factories.agreement(s, group=d, reporter=admin, codes=("D1", "D2"), reached_on=START)
        assert fac_a.id > fac_b.id
    for name, telegram_id in (
        ("facB", 2001),
        ("coordB", 2002),
        ("trainee", 2003),
        ("revoked", 2004),
        ("stranger", 2005),
        ("facA", 1001),
        ("coordA", 1002),
        ("admin", 1003),
    ):
        world.people[name] = tg.add_user(
            user_id=telegram_id, first_name="Test", language_code=lang, started=True
        )
    return world


class HeldOutbox:
    """Stands in for the bot's outbox worker and sends only when released: messages the bot
    starts by itself (alerts, answers) then arrive at the same point of every run."""

    def __init__(self, worker: Any) -> None:
        self.worker = worker
        self.open = False

    async def run_once(self, bot: Any) -> int:
        return await self.worker.run_once(bot) if self.open else 0


def hold_outbox(world: World) -> HeldOutbox:
    services = world.app.bot_data["services"]
    held = HeldOutbox(services.extra["outbox"])
    services.extra["outbox"] = held
    return held


async def release_outbox(world: World, held: HeldOutbox) -> None:
    held.open = True
    try:
        while await held.worker.run_once(world.app.bot):
            pass
    finally:
        held.open = False
    await world.settle()


async def start_draft_for(world: World, who: str) -> None:
    """An attacker with a /newgroup draft of their own, so that forged taps meet a live draft."""
    await world.say(who, "/newgroup")
    await world.say(who, "Forged draft")


async def victim_agreements(db: Database, group_ids: Iterable[int]) -> list[int]:
    async with db.read() as s:
        return list(
            await s.scalars(
                select(agreements.Agreement.id).where(
                    agreements.Agreement.group_id.in_(list(group_ids))
                )
            )
        )


# --- what the suites tried and found, for the terminal summary --------------------------------


def summary_line(title: str, counts: dict[str, Any]) -> str:
    """One line for tests/conftest.py's terminal summary (recorded as the property "trust")."""
    body = "; ".join(f"{k}: {v}" for k, v in counts.items())
    return f"{title}: {body}"
