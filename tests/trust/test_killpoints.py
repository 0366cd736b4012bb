"""Kill points: the bot SIGKILLed at the Nth Bot API call of a flow, for every N, restarted, and
the person finishes what they started. Every record the bot confirmed is there exactly once,
the flow resumes or starts again with a clear answer, no alert is lost, and what the person
typed does not stay in the chat.

Each flow's calls are listed in CALLS (test_each_flow_makes_the_calls_counted checks them by
running the flow once without faults), so that pytest can spread the kill points over workers.
For each N: a fresh database, the flow up to the Nth call, SIGKILL as the call arrives, either
dropping it (it never reached Telegram) or letting Telegram carry it out (the answer is lost),
restart, finish as a person would (tests/support/chaos.py), check the records.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select, text

from locales import translator
from models import crypto, roster
from models.agreements import SUMMARY_MAX
from models.audit import AuditEntry
from models.db import Database
from models.groups import Group, GroupMember
from models.meetings import Attendance, MeetingRecord
from models.outbox import OutboxMessage, OutboxStatus
from models.roster import Participant
from models.settings import Settings
from models.users import Invite, Role, User
from tests.support import factories
from tests.support.chaos import (
    Action,
    ForkedBot,
    KillSwitch,
    Person,
    Send,
    Tap,
    drive,
    handled,
    quiet,
    report_kill,
    until_killed,
)
from tests.support.e2e import LANGUAGE_BUTTON, eventually, invite
from tests.support.process import BotProcess
from tests.support.tgserver import TelegramTestServer

PG = bool(os.environ.get("TEST_DATABASE_URL"))
LANG = "fr"
PICKER = [LANGUAGE_BUTTON[lang] for lang in ("rn", "fr", "en")]


def t(context: str, message: str) -> str:
    return translator(LANG).pgettext(context, message)


# --- the flows ---------------------------------------------------------------------------------


@dataclass
class Flow:
    """A goal, the people involved, the rules that reach it, and what must then be stored."""

    tg: TelegramTestServer
    db: Database
    key: str  # the bot process's encryption key, to read what it stored encrypted
    name: ClassVar[str]
    people: list[Person] = field(default_factory=list)

    async def setup(self) -> None:
        raise NotImplementedError

    def rules(self) -> Action | None:
        raise NotImplementedError

    async def check(self, killed: Killed | None) -> str:
        """Asserts what must be stored; returns what was found, in a few words."""
        raise NotImplementedError

    @property
    def person(self) -> Person:
        return self.people[0]

    def decrypt(self, token: str) -> str:
        return Fernet(self.key.encode()).decrypt(token.encode()).decode()


@dataclass
class Registration(Flow):
    """/start with an invite code, then the language."""

    name: ClassVar[str] = "registration"
    code: str = ""

    async def setup(self) -> None:
        self.code = await invite(self.db, Role.FACILITATOR)
        user = self.tg.add_user(user_id=7001, first_name="F", language_code="fr")
        self.people = [Person(self.tg, user, "facilitator")]

    def rules(self) -> Action | None:
        latest = self.person.latest
        if latest is None:
            return Send(f"/start {self.code}")
        if latest.labels == PICKER:
            return Tap(latest, LANGUAGE_BUTTON[LANG])
        if t("help", "You are a facilitator.") in latest.plain:
            return None
        raise AssertionError(f"registration: unexpected screen {latest!r}")

    async def check(self, killed: Killed | None) -> str:
        async with self.db.read() as s:
            users = list(await s.scalars(select(User)))
            assert len(users) == 1
            user = users[0]
            assert (user.telegram_id, user.role, user.language, user.language_chosen) == (
                7001,
                Role.FACILITATOR.value,
                LANG,
                True,
            )
            invite_row = await s.scalar(select(Invite))
            assert invite_row is not None
            assert (invite_row.used_count, invite_row.uses_left) == (1, 0)
            members = await s.scalar(select(func.count()).select_from(GroupMember))
            assert members == 1
            redeemed = await s.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "invite.redeem")
            )
            assert redeemed == 1
        # The command menu of the role, in the chosen language, is pushed in the end.
        await eventually(lambda: self.person.user.commands is not None, 10)
        assert dict(self.person.user.commands or [])["session"] == t(
            "menu", "This week: guide and record"
        )
        return "one user, invite used once, menu set"


NOTE_PROMPT = (
    "Type a short note (at most 500 characters). <b>No names, no stories.</b> "
    "It is stored encrypted and your message is removed from this chat."
)
REFLECTION = [
    (
        "Which phase is the group in now? It moves with the group's readiness, not the calendar.",
        translator(LANG).pgettext("guide", "Trust"),
    ),
    ("How was the group's climate? 1 = very tense, 5 = warm and open.", "4"),
    ("Which problem areas were discussed? Tap all that apply, then Next.", t("meeting", "Next")),
    ("How many follow-ups did members agree (things to do and report back next week)?", "2"),
    ("Was anyone referred to a service? Only the type is recorded.", t("meeting", "No referral")),
]
SUMMARY_PROMPT = (
    "In a few words, what did each side commit to? Send it as one message of at most "
    "{limit} characters."
)
OUTSIDE = (
    "Is anyone outside the group a party to it? Tap their role, never a name. If no one, tap Next."
)
WITNESSES = "Who witnessed it? Tap their roles, never names. Officials are not witnesses."


def plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", t("meeting", html))


def today() -> date:
    """The bot process runs on the real clock, in the group's time zone."""
    return datetime.now(ZoneInfo("Africa/Bujumbura")).date()


async def facilitator_of_a_group(
    tg: TelegramTestServer, db: Database, user_id: int, codes: str = ""
) -> tuple[Person, int]:
    async with db.write() as s:
        group = await factories.group(s, start_date=today() - timedelta(days=14))
        if codes:
            await roster.add_codes(s, group=group, text=codes, actor_id=None)
        await factories.user(s, user_id, Role.FACILITATOR, group_id=group.id, language=LANG)
    return Person(tg, tg.add_user(user_id=user_id, first_name="F", language_code="fr")), group.id


async def counts(db: Database, *models: Any) -> tuple[int, ...]:
    async with db.read() as s:
        found = [await s.scalar(select(func.count()).select_from(model)) for model in models]
    return tuple(int(n or 0) for n in found)


async def no_typed_text_left(person: Person, text: str) -> None:
    """Shared phones: what the person typed leaves the chat once stored, crash or not."""

    def kept() -> list[int]:
        return [
            m.message_id
            for m in person.user.user_messages
            if not m.deleted and text in (m.api.get("text") or "")
        ]

    try:
        await eventually(lambda: not kept(), 10)
    except AssertionError:
        transcript = "\n".join(person.transcript)
        raise AssertionError(
            f"typed text left in the chat: messages {kept()}\n{transcript}"
        ) from None


@dataclass
class MeetingFlow(Flow):
    """/session after the meeting: held today, everyone present, the reflection with a note."""

    name: ClassVar[str] = "meeting"
    group_id: int = 0
    NOTE: ClassVar[str] = "Calm; the group chose the next topic itself. kp-note"

    async def setup(self) -> None:
        person, self.group_id = await facilitator_of_a_group(
            self.tg, self.db, 7101, "A1, A2, A3, A4, A5"
        )
        self.people = [person]

    def rules(self) -> Action | None:
        latest = self.person.latest
        if latest is None:
            return Send("/session")
        text, labels = latest.plain, latest.labels
        week_1 = t("meeting", "Week {week}: held on {date}").split("{date}")[0].format(week=1)
        if plain(NOTE_PROMPT) in text:
            return Send(self.NOTE)
        if t("meeting", "Week {week} recorded").format(week=1) in text:
            if t("meeting", "Attendance: not saved yet") in text:
                return Tap(latest, t("meeting", "Correct attendance"))
            if t("meeting", "Reflection: not saved yet") in text:
                return Tap(latest, t("meeting", "Add the reflection"))
            return None
        if t("meeting", "All present: save") in labels:
            return Tap(latest, t("meeting", "All present: save"))
        for question, answer in REFLECTION:
            if t("meeting", question) in text:
                return Tap(latest, answer)
        if t("meeting", "Add a short note") in labels:
            return Tap(latest, t("meeting", "Add a short note"))
        if any(label.startswith(week_1) for label in labels):
            return Tap(latest, week_1)
        if t("meeting", "Held today") in labels:
            return Tap(latest, t("meeting", "Held today"))
        return Send("/session")

    async def check(self, killed: Killed | None) -> str:
        async with self.db.read() as s:
            records = list(await s.scalars(select(MeetingRecord)))
            assert [(r.week, r.status, r.held_on) for r in records] == [(1, "held", today())]
            rows = list(await s.scalars(select(Attendance)))
            assert len(rows) == 5 and all(r.present for r in rows)
            notes = list(await s.scalars(text("SELECT note FROM reflections")))
            assert [self.decrypt(note) for note in notes] == [self.NOTE]
            group = await s.get(Group, self.group_id)
            assert group is not None and group.current_week == 2
        await no_typed_text_left(self.person, "kp-note")
        return "one record, 5 attendance rows, one reflection with its note"


@dataclass
class RosterAdd(Flow):
    """/roster, Add codes, three codes typed."""

    name: ClassVar[str] = "roster"
    group_id: int = 0

    async def setup(self) -> None:
        person, self.group_id = await facilitator_of_a_group(self.tg, self.db, 7201)
        self.people = [person]

    def rules(self) -> Action | None:
        latest = self.person.latest
        if latest is None:
            return Send("/roster")
        ask = "Send the new codes in one message, separated by commas or on separate lines."
        if t("roster", ask) in latest.plain:
            return Send("K1, K2, K3")
        add = "+ " + t("roster", "Add codes")
        if add in latest.labels:
            if {"K1", "K2", "K3"} <= set(latest.labels):
                return None
            return Tap(latest, add)
        return Send("/roster")

    async def check(self, killed: Killed | None) -> str:
        async with self.db.read() as s:
            codes = [p.code for p in await s.scalars(select(Participant))]
        assert sorted(codes) == ["K1", "K2", "K3"]
        return "three codes, each once"


@dataclass
class AgreementFlow(Flow):
    """/agreement through every step to Save; both coordinators of the area are alerted."""

    name: ClassVar[str] = "agreement"
    SUMMARY: ClassVar[str] = "A1 lets A3 farm the lower field; A3 repairs the fence. kp-sum"

    async def setup(self) -> None:
        person, _ = await facilitator_of_a_group(self.tg, self.db, 7301, "A1, A2, A3, A4, A5")
        self.people = [person]
        async with self.db.write() as s:
            for user_id in (7302, 7303):
                await factories.user(
                    s, user_id, Role.COORDINATOR, area="Gitega/Giheta", language=LANG
                )
        for user_id in (7302, 7303):
            user = self.tg.add_user(user_id=user_id, first_name="C", started=True)
            self.people.append(Person(self.tg, user, f"coordinator {user_id}"))

    def rules(self) -> Action | None:
        again = t("agreement", "The agreement is saved.")
        if any(again in toast for toast in self.person.toasts):
            return None  # a second Save answered that it is saved
        latest = self.person.latest
        if latest is None:
            return Send("/agreement")
        text, labels = latest.plain, latest.labels
        saved = t("agreement", "Agreement saved: {kind}, reached on {date}.").split("{kind}")[0]
        if saved in text:
            return None
        if t("agreement", SUMMARY_PROMPT).format(limit=SUMMARY_MAX) in text:
            return Send(self.SUMMARY)
        if t("agreement", "Write the summary again") in labels:
            return Tap(latest, t("agreement", "Save"))
        if t("agreement", "What is the agreement about?") in text:
            return Tap(latest, t("agreement", "Land or boundary"))
        if t("agreement", "Tap the codes of the parties (at least two).") in text:
            for code in ("A1", "A3"):
                if f"✓ {code}" not in labels:
                    return Tap(latest, code)
            return Tap(latest, t("agreement", "Next"))
        if t("agreement", OUTSIDE) in text or t("agreement", WITNESSES) in text:
            return Tap(latest, t("agreement", "Next"))
        if t("agreement", "When was the agreement reached?") in text:
            return Tap(latest, t("agreement", "Today"))
        if t("agreement", "Is there a written paper, signed by the parties?") in text:
            return Tap(latest, t("agreement", "Yes, signed"))
        return Send("/agreement")

    async def check(self, killed: Killed | None) -> str:
        async with self.db.read() as s:
            summaries = list(await s.scalars(text("SELECT summary FROM agreements")))
            assert [self.decrypt(summary) for summary in summaries] == [self.SUMMARY]
        # Every alert is delivered: the outbox worker runs every 0.2 s in the bot process.
        await eventually_async(lambda: outbox_settled(self.db), 15)
        alert = translator(LANG).pgettext("coordinator", "A group needs your attention")
        found = []
        for coordinator in self.people[1:]:
            received = coordinator.received(lambda m: m.plain.startswith(alert))
            # At least once: Telegram took the alert but the bot died before noting it.
            repeat = killed is not None and killed.sent_to(coordinator.user.id)
            assert len(received) in ((1, 2) if repeat else (1,)), (coordinator.name, received)
            found.append(len(received))
        await no_typed_text_left(self.person, "kp-sum")
        twice = " (one sent twice: the documented at-least-once case)" if 2 in found else ""
        return f"one agreement, one alert per coordinator{twice}"


@dataclass
class GuidePaging(Flow):
    """A trainee reads the first four screens of week 2 (nothing is stored)."""

    name: ClassVar[str] = "guide"
    before: tuple[int, ...] = ()

    async def setup(self) -> None:
        async with self.db.write() as s:
            await factories.user(s, 7401, Role.TRAINEE, language=LANG)
        user = self.tg.add_user(user_id=7401, first_name="T", language_code="fr")
        self.people = [Person(self.tg, user, "trainee")]
        self.before = await counts(self.db, *STORED)

    def rules(self) -> Action | None:
        latest = self.person.latest
        if latest is None:
            return Send("/week 2")
        header = translator(LANG).pgettext("guide", "Week {number}: {title}")
        lines = latest.plain.split("\n")
        if len(lines) > 1 and lines[0].startswith(header.split("{number}")[0] + "2"):
            position = int(lines[1].rsplit(" · ", 1)[1].split("/")[0])
            if position >= 4:
                return None
            return Tap(latest, translator(LANG).pgettext("guide", "Next") + " ›")
        return Send("/week 2")

    async def check(self, killed: Killed | None) -> str:
        assert await counts(self.db, *STORED) == self.before
        return "screen 4 reached, nothing stored"


# Records a read-only flow must leave alone (bookkeeping such as message ids is not counted).
STORED = (User, AuditEntry, MeetingRecord, Participant, OutboxMessage)

FLOWS: dict[str, type[Flow]] = {
    flow.name: flow for flow in (Registration, MeetingFlow, RosterAdd, AgreementFlow, GuidePaging)
}
# The Bot API calls each flow makes, from its first message until everything is sent, one
# letter a call (test_each_flow_makes_the_calls_counted keeps this true).
METHODS = {
    "S": "sendMessage",
    "E": "editMessageText",
    "Q": "answerCallbackQuery",
    "D": "deleteMessage",
    "C": "setMyCommands",
    "G": "getUpdates",
}
TAP = "QEG"  # a tap: its pop-up answer, the screen edited, the poll that confirms the tap
CALLS = {
    "registration": "SG" + "C" + TAP,
    "meeting": "SG" + TAP * 8 + "SGD",
    "roster": "SG" + TAP + "SG",
    "agreement": "SG" + TAP * 8 + "SGD" + TAP + "SS",
    "guide": "SG" + TAP * 3,
}


def kill_points() -> list[Any]:
    """Every call, both ways, on SQLite; every third of those kill points on PostgreSQL.

    A tap's pop-up answer that reached Telegram changes nothing for what follows, so those
    calls are only dropped.
    """
    points = []
    for name, calls in CALLS.items():
        for n, letter in enumerate(calls, start=1):
            for mode in ["dropped"] if letter == "Q" else ["dropped", "answered"]:
                points.append(pytest.param(name, n, mode, id=f"{name}-{n}-{mode}"))
    return points[::3] if PG else points


async def outbox_settled(db: Database) -> bool:
    async with db.read() as s:
        pending = await s.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.PENDING.value)
        )
    return pending == 0


async def eventually_async(condition: Callable[[], Awaitable[bool]], within: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met within the timeout")
        await asyncio.sleep(0.05)


# --- running them ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Killed:
    """The call the bot died at."""

    method: str
    params: dict[str, Any]
    answered: bool
    delivered: frozenset[str] = frozenset()

    def sent_to(self, chat_id: int) -> bool:
        """Telegram may have delivered a message to this chat that the bot never learnt about:
        the call it died at, or a send to this chat carried out before it (the outbox sends to
        several chats side by side and notes what went in batches: README, at least once)."""
        killed_here = (
            self.answered
            and self.method == "sendMessage"
            and str(self.params.get("chat_id")) == str(chat_id)
        )
        return killed_here or str(chat_id) in self.delivered


@pytest.fixture
async def process(
    tg: TelegramTestServer, settings: Settings, tmp_path: Path
) -> AsyncIterator[BotProcess]:
    bot = ForkedBot(tg, settings, crypto.generate_key(), tmp_path / "bot.log")
    yield bot
    tg.on_call = None
    if bot.alive:
        bot.kill_now()
        await bot.reap()


def expect_crash_refusals(tg: TelegramTestServer) -> None:
    """What Telegram refuses when a bot repeats a call whose answer it never read.

    Not a tap answered twice or too late ("query is too old"), nor the same edit again
    ("message is not modified"): a redelivered update is not answered again, and its screen is
    sent anew (conversations/runtime/delivery.py).
    """
    tg.expect_refusal("message to delete not found")  # a typed note deleted again


@pytest.mark.parametrize(("flow_name", "n", "mode"), kill_points())
async def test_kill_at_call(
    flow_name: str,
    n: int,
    mode: str,
    tg: TelegramTestServer,
    db: Database,
    process: BotProcess,
    request: pytest.FixtureRequest,
) -> None:
    expect_crash_refusals(tg)
    flow = FLOWS[flow_name](tg, db, process.env["ENCRYPTION_KEYS"])
    await flow.setup()
    await process.start()
    switch = KillSwitch(tg, process)
    switch.arm(n, answered=mode == "answered")
    killed = await until_killed(switch, drive(flow.person, flow.rules, silent_ok=True))
    assert killed, f"{flow_name} finished after {switch.count} calls, before call {n}"
    assert switch.killed is not None
    await process.reap()
    await process.start()
    await handled(tg)  # what Telegram delivers again after the restart
    await drive(flow.person, flow.rules)
    found = await flow.check(
        Killed(
            *switch.killed,
            answered=mode == "answered",
            delivered=frozenset(switch.delivered) - {""},
        )
    )
    popups = len(flow.person.toasts)
    report_kill(request, flow_name, n, mode, switch.killed[0], found, popups)


@pytest.mark.parametrize("flow_name", list(CALLS))
async def test_each_flow_makes_the_calls_counted(
    flow_name: str,
    tg: TelegramTestServer,
    db: Database,
    process: BotProcess,
) -> None:
    flow = FLOWS[flow_name](tg, db, process.env["ENCRYPTION_KEYS"])
    await flow.setup()
    await process.start()
    switch = KillSwitch(tg, process)
    switch.arm(None)
    await drive(flow.person, flow.rules)
    await flow.check(None)
    await quiet(tg, flow.people)
    switch.disarm()
    letters = {method: letter for letter, method in METHODS.items()}
    made = "".join(letters.get(method, "?") for method in switch.calls)
    # The order may vary where the bot sends by itself (alerts) while it answers.
    assert sorted(made) == sorted(CALLS[flow_name]), (
        f"{flow_name} now makes these Bot API calls: {made!r} ({', '.join(switch.calls)}); "
        "set CALLS to it so that every call is a kill point"
    )


async def test_the_server_hook_sees_each_call_first_and_can_drop_it(
    tg: TelegramTestServer,
) -> None:
    """The test server's `on_call` hook and its restart on the same port, which the fault
    tests rely on."""
    import httpx

    person = tg.add_user(user_id=7901, first_name="P", started=True)
    seen: list[str] = []

    def hook(method: str, params: dict[str, Any]) -> bool:
        seen.append(method)
        return params.get("text") == "drop"

    tg.on_call = hook
    async with httpx.AsyncClient() as client:
        url = f"{tg.base_url}{tg.token}/sendMessage"
        answer = await client.post(url, data={"chat_id": "7901", "text": "kept"})
        assert answer.json()["ok"]
        with pytest.raises(httpx.HTTPError):
            await client.post(url, data={"chat_id": "7901", "text": "drop"})
        assert seen == ["sendMessage", "sendMessage"]
        assert [m.plain for m in person.messages] == ["kept"]
        port = tg.port
        await tg.stop()
        with pytest.raises(httpx.ConnectError):
            await client.post(url, data={"chat_id": "7901", "text": "refused"})
        await tg.start()
        assert tg.port == port
        tg.on_call = None
        answer = await client.post(url, data={"chat_id": "7901", "text": "back"})
        assert answer.json()["ok"]
    assert [m.plain for m in person.messages] == ["kept", "back"]


async def test_the_same_invite_link_opened_again_registers_once(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    """Someone whose first answer was lost (or who just taps the link again) is not told to ask
    for a new invitation; someone else still is."""
    code = await invite(db, Role.FACILITATOR)
    person = tg.add_user(user_id=7002, first_name="F", language_code="fr")
    await person.send(f"/start {code}")
    await person.tap(await person.next_message(), LANGUAGE_BUTTON[LANG])
    await person.next_message()
    await person.send(f"/start {code}")
    again = await person.next_message()
    assert t("help", "You are a facilitator.") in again.plain
    other = tg.add_user(user_id=7003, first_name="G", language_code="fr")
    await other.send(f"/start {code}")
    refused = await other.next_message()
    assert (
        translator("fr").pgettext(
            "access",
            "This invitation has already been used. Ask your coordinator for a new one.",
        )
        in refused.plain
    )
    async with db.read() as s:
        stored = await s.scalar(select(Invite))
        assert stored is not None and (stored.used_count, stored.uses_left) == (1, 0)
        assert await s.scalar(select(func.count()).select_from(User)) == 1
