"""Random sequences of updates through the real application (Hypothesis, derandomised in CI).

Everyone of the adversarial world (tests/support/adversary.py) acts: the victims' facilitator and
coordinator, the admin, and the attackers. An example is a sequence of updates: commands,
texts (what the step waits for, or anything: long, unicode, HTML-like), taps on any button the
person can see, taps on invented button data, edits of earlier messages, voice notes.

After every update: no error logged by the application, no call Telegram would refuse, every
tap answered, and no record changed that its author may not change (rows of groups outside
their scope, other people's accounts). After every example: nothing of the victim groups
reached anyone who may not see them.

Hypothesis draws what each update is; which of the buttons on screen is tapped, and which of
the person's commands is sent, is chosen at run time by a generator seeded from the example
(what is on screen depends on the bot), so the draws never depend on the bot's state. The
examples run one after another against the same running bot: later ones meet the records,
drafts and half-typed steps that earlier ones left.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from conversations.runtime.menu import commands_for
from models.clock import clock
from models.db import Database
from models.sweep import run_sweep
from models.users import Role
from tests.support.adversary import (
    MARKER,
    T0,
    ErrorLog,
    HeldOutbox,
    World,
    build_world,
    changes,
    forbidden,
    groups_of,
    hold_outbox,
    leaks,
    registered_prefixes,
    release_outbox,
    snapshot,
    summary_line,
    victim_agreements,
)
from tests.support.e2e import flush_outbox
from tests.support.tgserver import TelegramTestServer

# Enough to walk into every flow several times, and well under a minute on two cores.
EXAMPLES = 40
ACTIONS = 24
PEOPLE = ("facA", "coordA", "admin", "facB", "coordB", "trainee", "revoked", "stranger")
ROLES = {
    "facA": Role.FACILITATOR,
    "coordA": Role.COORDINATOR,
    "admin": Role.ADMIN,
    "facB": Role.FACILITATOR,
    "coordB": Role.COORDINATOR,
    "trainee": Role.TRAINEE,
    "revoked": Role.FACILITATOR,
}
# Who acts, weighted towards those with most to do.
ACTORS = ("facA", "facA", "facA", "coordA", "coordA", "facB", "facB", *PEOPLE[2:])
# Commands of every registered person (reading, settings); the rest is someone's work.
EVERYONES = {f"/{c.name}" for c in commands_for(Role.TRAINEE)}
# Who must never see anything of the victim groups A and C.
OUTSIDERS = ("facB", "coordB", "trainee", "revoked", "stranger")

COMMANDS = [
    *sorted({f"/{c.name}" for role in Role for c in commands_for(role)}),
    "/week 3",
    "/week 99",
    "/start not-an-invite",
    "/nothing",
]
# What each typed step waits for, right and wrong.
ANSWERS = {
    "session.date": ["20/11", "3/11/2026", "32/13", "1/1/1900"],
    "session.note": ["Calm; the field was discussed.", "x" * 501],
    "session.selfhelp": ["Abahuje", "y" * 81],
    "agreement.date": ["24/11/2026", "1/1/2030", "31/02/2026"],
    "agreement.summary": ["A1 lets A3 farm the field.", "z" * 501],
    "coordinator.reference": ["GIT-2026/014", "Jean Bosco", "A" * 31],
    "roster.add": ["P1, P2, P3", "Jean Bosco", "Q" * 13, ", ".join(f"R{n}" for n in range(16))],
    "roster.rename": ["P9", "Marie Claire", "B1"],
    "newgroup.name": ["Ubumwe bushasha", "n" * 81],
    "newgroup.time": ["14:30", "25:61", "9h"],
}
TYPED = [
    "KWZQ9",
    "B6, B7",
    "Jean Bosco",
    "3/11",
    "25/11/2026",
    "14:30",
    "GIT-2026/014",
    "<b>bold</b> & <i>",
    "&lt;",
]
PART = r"[A-Za-z0-9_.\-]{1,12}"
KINDS = ["tap"] * 8 + ["command"] * 3 + ["say"] * 3 + ["forge"] * 2 + ["edit", "voice"]


def texts() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(COMMANDS),
        st.sampled_from(TYPED),
        st.text(min_size=1, max_size=40).filter(lambda t: t.strip() != ""),
        st.text(alphabet="ab <>&/:\n", min_size=300, max_size=4096).filter(str.strip),
    )


# A part of invented button data: ("id", n) picks one of the interesting ids, else the text.
PARTS = st.one_of(
    st.integers(0, 999).map(lambda n: ("id", n)),
    st.from_regex(PART, fullmatch=True).map(lambda t: ("text", t)),
    st.text(max_size=6).map(lambda t: ("text", t)),
)


@dataclass(frozen=True)
class Action:
    kind: str
    text: str
    prefix: int
    parts: tuple[tuple[str, Any], ...]
    raw: str | None  # invented data not even shaped like the bot's


ACTION = st.builds(
    Action,
    kind=st.sampled_from(KINDS),
    text=texts(),
    prefix=st.integers(0, 999),
    parts=st.lists(PARTS, max_size=5).map(tuple),
    raw=st.one_of(*[st.none()] * 9, st.text(max_size=70)),
)


@dataclass
class Tally:
    examples: int = 0
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    actions: set[str] = field(default_factory=set)
    findings: list[str] = field(default_factory=list)
    allowed: int = 0


@dataclass
class Stage:
    world: World
    prefixes: list[str]
    ids: list[int]
    errors: ErrorLog
    outbox: HeldOutbox
    tally: Tally


@pytest.fixture
async def stage(
    tg: TelegramTestServer, bot: Any, db: Database, record_property: Any
) -> AsyncIterator[Stage]:
    clock.set(T0)
    with ErrorLog() as errors:
        world = await build_world(tg, bot, db)
        await run_sweep(db)
        await flush_outbox(bot, db)
        await world.settle()
        held = hold_outbox(world)
        agreements = await victim_agreements(db, world.group_ids("A", "C"))
        records = await snapshot(db)
        victims = set(world.group_ids("A", "C"))
        ids = sorted(
            {*world.groups.values(), *agreements, 0, 2**31, 999999999999}
            | {k[0] for k, r in records["participants"].items() if r["group_id"] in victims}
        )
        stage = Stage(world, sorted(registered_prefixes(bot)), ids, errors, held, Tally())
        yield stage
    tally = stage.tally
    record_property(
        "trust",
        summary_line(
            "random updates",
            {
                "examples": tally.examples,
                **dict(sorted(tally.counts.items())),
                "button actions reached": f"{len(tally.actions)}/{len(stage.prefixes)}",
                "changes allowed to their author": tally.allowed,
                "findings": len(tally.findings),
            },
        ),
    )


def _visible(world: World, who: str) -> list[tuple[Any, str]]:
    """The buttons this person can tap, newest message first."""
    found = []
    for message in reversed(world.people[who].messages):
        for row in (message.reply_markup or {}).get("inline_keyboard", []):
            for button in row:
                if "callback_data" in button:
                    found.append((message, button["callback_data"]))
    return found


def _awaiting(world: World, who: str) -> str | None:
    data = world.app.user_data.get(world.people[who].id)
    return getattr(data, "awaiting", None)


async def _act(stage: Stage, rng: random.Random, who: str, action: Action) -> str:
    """Sends one update by `who`; returns what it was."""
    world, tally = stage.world, stage.tally
    person = world.people[who]
    kind = action.kind
    buttons = _visible(world, who)
    typed = [m for m in person.user_messages if "text" in m.api and not m.deleted]
    newest = [b for b in buttons if b[0] is buttons[0][0]]
    work = [b for b in newest if not b[1].startswith("g")]
    if (kind == "tap" and not buttons) or (kind == "edit" and not typed):
        kind = "command"
    elif kind == "tap" and not work and rng.random() < 0.6:
        kind = "command"  # out of the guides, back to work
    if kind == "command":
        # Mostly one's own commands and rather those of the role than the reading ones, as
        # people do; sometimes anyone's.
        role = ROLES.get(who)
        own = [f"/{c.name}" for c in commands_for(role)] if role else []
        duties = [c for c in own if c not in EVERYONES]
        dice = rng.random()
        command = rng.choice(
            duties if duties and dice < 0.6 else own if own and dice < 0.85 else COMMANDS
        )
        await person.send(command)
        what = f"{who} sends {command}"
    elif kind == "say":
        # What the step waits for, half of the time; else whatever was drawn.
        answers = ANSWERS.get(_awaiting(world, who) or "")
        text = rng.choice(answers) if answers and rng.random() < 0.5 else action.text
        await person.send(text)
        what = f"{who} says {text[:60]!r}"
    elif kind == "tap":
        # Mostly the newest message, and rather what records something than the pages of the
        # guides; sometimes any button of any message.
        dice = rng.random()
        message, button = rng.choice(
            (work or newest) if dice < 0.7 else newest if dice < 0.9 else buttons
        )
        await person.tap_data(message, button)
        what = f"{who} taps {button!r}"
        tally.actions.update(p for p in stage.prefixes if button == p or button.startswith(p + ":"))
    elif kind == "forge":
        parts = [
            str(stage.ids[value % len(stage.ids)]) if tag == "id" else value
            for tag, value in action.parts
        ]
        forged = ":".join([stage.prefixes[action.prefix % len(stage.prefixes)], *parts])
        if action.raw is not None:
            forged = action.raw
        message = next((m for m in reversed(person.messages) if m.kind == "text"), None)
        if message is None:
            await person.send("/start" if who == "stranger" else "/help")
            await world.settle()
            message = next(m for m in reversed(person.messages) if m.kind == "text")
        await person.tap_data(message, forged)
        what = f"{who} forges {forged!r}"
    elif kind == "edit":
        target = rng.choice(typed)
        await person.edit(target.message_id, action.text)
        what = f"{who} edits message {target.message_id} to {action.text[:60]!r}"
    else:
        await person.send_voice()
        what = f"{who} sends a voice note"
    tally.counts[kind] += 1
    return what


@settings(
    max_examples=EXAMPLES,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
)
@given(
    actions=st.lists(ACTION, min_size=ACTIONS // 2, max_size=ACTIONS),
    seed=st.integers(0, 2**32 - 1),
)
async def test_random_updates_change_only_what_their_author_may_change(
    stage: Stage, actions: list[Action], seed: int
) -> None:
    world, tally = stage.world, stage.tally
    tg = world.tg
    # Seeded by the whole example, so that examples which differ in anything walk differently.
    rng = random.Random(repr((seed, actions)))
    tally.examples += 1
    refused = len(tg.unexpected_refusals())
    logged = len(stage.errors.records)
    before = await snapshot(world.db)
    who = rng.choice(ACTORS)
    for action in actions:
        if rng.random() < 0.15:
            who = rng.choice(ACTORS)
        what = await _act(stage, rng, who, action)
        note(what)
        await world.settle()
        after = await snapshot(world.db)
        user_id = world.user_ids.get(who)
        seen = changes(before, after)
        mine = groups_of(before, user_id) | groups_of(after, user_id)
        bad = forbidden(seen, allowed_groups=mine, actor_ids={user_id} if user_id else set())
        tally.allowed += len(seen) - len(bad)
        before = after
        problems = [f"{what}: {change}" for change in bad]
        problems += [f"{what}: refused {r}" for r in tg.unexpected_refusals()[refused:]]
        problems += [f"{what}: logged {line}" for line in stage.errors.lines()[logged:]]
        if tg.unanswered_callback_queries():
            problems.append(f"{what}: the tap was never answered")
        if problems:
            tally.findings += problems
            raise AssertionError("\n".join(problems))
    await release_outbox(world, stage.outbox)
    for outsider in OUTSIDERS:
        shown = leaks(world.people[outsider], MARKER)
        if shown:
            tally.findings += shown
            raise AssertionError(f"{outsider} was shown the victims' data: {shown[:5]}")
