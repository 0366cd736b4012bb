"""Adversaries: every button of every flow replayed by people who must not use it, forged data,
and every command tried by every role. Nothing leaks and nothing changes.

The legitimate users (facilitator A, coordinator A, the admin) first walk through every flow,
and every callback_data the bot shows them is collected. A flow that registers a button action
this walk never shows fails the suite, so a new flow cannot escape it. Each collected button is
then tapped by the attackers (a facilitator of another group, a coordinator of another commune,
a trainee, a revoked facilitator of the victim group, a stranger); then forged variants of each
(ids + 1, 0, another group's, huge, not numbers, parts added or missing, 65 bytes) are tapped by
the attacker of the same role. After every batch the database is compared row by row with the
one before: nothing may change except the attacker's own groups and their own settings. At the
end no message, button, file or pop-up any attacker received may carry the victims' marker.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import pytest
from babel.dates import get_day_names

from conversations.roster import STAFF
from conversations.runtime.menu import commands_for
from locales import BABEL_LOCALES, LANGUAGES, translator
from models import reviews, users
from models.clock import clock
from models.db import Database
from models.groups import Group
from models.sweep import run_sweep
from models.users import Role
from tests.support import factories
from tests.support.adversary import (
    ATTACKERS,
    LANG,
    T0,
    ErrorLog,
    World,
    audit_findings,
    build_world,
    callback_data,
    changes,
    forbidden,
    groups_of,
    last_audit_id,
    leaks,
    mutations,
    prefix_of,
    registered_prefixes,
    snapshot,
    start_draft_for,
    summary_line,
    tr,
    victim_agreements,
)
from tests.support.e2e import flush_outbox
from tests.support.tgserver import TelegramTestServer

# How many different data of one action each attacker replays (the rest differ only by ids of
# the same kind, which the mutations cover).
SAMPLES = 2
# Forged data is tapped by the attacker with the same role as the one who was shown the button.
SAME_ROLE = {"facA": "facB", "coordA": "coordB", "admin": "coordB"}
# Follow-ups and the self-help check-in come a month later.
A_MONTH_LATER = datetime(2026, 12, 26, 8, 0, tzinfo=UTC)
GUIDE_ACTIONS = {"gm", "gw", "gp", "gr", "gk", "gt", "gx"}
# Flows every registered person may use: their buttons are forged by the trainee.
EVERYONES = {
    "conversations.guide.browsing",
    "conversations.guide.reading",
    "conversations.registration",
    "conversations.privacy",
}


def capitalized(day: object) -> str:
    return str(day)[:1].upper() + str(day)[1:]


def s(msgid: str) -> str:
    return tr("meeting", msgid)


def ag(msgid: str) -> str:
    return tr("agreement", msgid)


def co(msgid: str) -> str:
    return tr("coordinator", msgid)


def ro(msgid: str) -> str:
    return tr("roster", msgid)


async def walk_the_meeting(world: World) -> None:
    await world.say("facA", "/session")
    await world.press("facA", "Kwzq Amahoro")
    await world.press("facA", s("Preparation checklist"))
    await world.press("facA", s("Context analysis"))
    await world.press("facA", s("Back to the week"))
    await world.press("facA", s("Did not take place"))
    await world.press("facA", s("Cancelled"))
    await world.press("facA", s("Back"))
    await world.press("facA", s("Back"))
    await world.press("facA", s("Held on another day"))
    await world.press("facA", s("Back"))
    await world.press("facA", s("Held today"))
    await world.press("facA", "✓ KWZQ2")
    await world.press("facA", s("Save: {absent} absent").format(absent=1))
    await world.press("facA", translator(LANG).pgettext("guide", "Trust"))
    await world.press("facA", "4")
    await world.press("facA", s("Land and other disputes"))
    await world.press("facA", s("Next"))
    await world.press("facA", "2")
    await world.press("facA", s("Legal"))
    await world.press("facA", s("Add a short note"))
    await world.say("facA", "kwzq: calm, the field was discussed")
    await world.press("facA", s("Correct attendance"))
    await world.press("facA", s("Back to the week"))
    # The group after its 15 weeks: the self-help group.
    await world.say("facA", "/session")
    await world.press("facA", "Kwzq Ubumwe")
    await world.press("facA", s("Start the self-help group"))
    await world.say("facA", "Kwzq Helpers")
    saturday = str(get_day_names("wide", locale=BABEL_LOCALES[LANG])[5])
    await world.press("facA", saturday)
    # Its meeting day and time changed; the self-help guide is opened from the panel.
    await world.press("facA", s("Change the meeting day or time"))
    await world.press("facA", capitalized(get_day_names("wide", locale=BABEL_LOCALES[LANG])[6]))
    await world.press("facA", translator(LANG).time(datetime(2026, 1, 1, 15, 0).time()))
    await world.press("facA", s("Open the self-help guide"))


async def walk_the_roster(world: World) -> None:
    await world.say("facA", "/roster")
    await world.press("facA", "Kwzq Amahoro")
    await world.press("facA", "+ " + ro("Add codes"))
    await world.press("facA", "‹ " + ro("Back"))
    await world.press("facA", "KWZQ5")
    await world.press("facA", ro("Female"))
    await world.press("facA", ro("Rename"))
    await world.press("facA", "‹ " + ro("Back"))
    await world.press("facA", ro("Mark as left"))
    await world.press("facA", ro("Yes, mark as left"))
    await world.press("facA", ro("Left the group: {count}").format(count=1))


async def walk_the_agreement(world: World) -> None:
    await world.say("facA", "/agreement")
    await world.press("facA", "Kwzq Amahoro")
    await world.press("facA", ag("Violence in a family or sexual violence"))
    await world.press("facA", ag("Why never an agreement"))
    await world.press("facA", ag("Tell the coordinator a referral is needed"))
    await world.say("facA", "/agreement")
    await world.press("facA", "Kwzq Amahoro")
    await world.press("facA", ag("Land or boundary"))
    await world.press("facA", "KWZQ1")
    await world.press("facA", "KWZQ3")
    await world.press("facA", ag("Next"))
    await world.press("facA", ag("Neighbour"))
    await world.press("facA", ag("Next"))
    await world.press("facA", ag("Elder (mushingantahe)"))
    await world.press("facA", ag("Next"))
    await world.press("facA", ag("Another date: type it"))
    await world.say("facA", "25/11/2026")
    await world.press("facA", ag("Yes, signed"))
    await world.say("facA", "KWZQ1 lets KWZQ3 farm the lower field until the harvest")
    await world.press("facA", ag("Write the summary again"))
    # Words that may point to violence: the question (Yes / No); No stores it, to be checked.
    await world.say("facA", "KWZQ1 will not beat KWZQ3 again")
    await world.press("facA", ag("No"))
    await world.press("facA", ag("Write the summary again"))
    await world.say("facA", "KWZQ1 lets KWZQ3 farm the lower field; kwzq fence repaired")
    await world.press("facA", ag("Save"))


async def walk_the_coordinator(world: World, agreement_id: int) -> None:
    await flush_outbox(world.app, world.db)
    await world.settle()
    await world.say("coordA", "/pending")
    await world.press_data("coordA", f"co:v:{agreement_id}")
    # "Not an agreement: violence, refer" asks first; back to the details without referring.
    await world.press("coordA", co("Not an agreement: violence, refer"))
    await world.press("coordA", co("Back to the details"))
    await world.press("coordA", co("Acknowledge"))
    await world.press_data("coordA", f"co:k:{agreement_id}")
    await world.press("coordA", co("Record the reference number"))
    await world.say("coordA", "KWZQ-7/2026")
    await world.say("coordA", "/groups")
    # A group's view: replacing a facilitator is asked, not done (facA walks on); the
    # self-help group's meeting moved.
    await world.press("coordA", "Kwzq Amahoro")
    await world.press("coordA", co("Replace facilitator {number}").format(number=1))
    await world.press("coordA", co("Back"))
    await world.press("coordA", co("Back to the groups"))
    await world.press("coordA", "Kwzq Helpers")
    await world.press("coordA", co("Change the meeting day or time"))
    await world.press("coordA", capitalized(get_day_names("wide", locale=BABEL_LOCALES[LANG])[0]))
    await world.press("coordA", translator(LANG).time(datetime(2026, 1, 1, 8, 0).time()))
    await world.say("coordA", "/report")
    # The report's choices: a period, two typed dates, an area, the monthly files.
    await world.press("coordA", co("Period"))
    await world.press("coordA", "‹ " + co("Report"))
    await world.press("coordA", co("Period"))
    await world.press("coordA", co("Since the start"))
    await world.press("coordA", co("Period"))
    await world.press("coordA", co("Type two dates"))
    await world.say("coordA", "1/11/2026 30/11/2026")
    await world.press("coordA", co("Area"))
    areas = world.showing("coordA", co("All of my area"))
    await world.press("coordA", areas.labels[0], areas)
    await world.press("coordA", co("Area"))
    await world.press("coordA", co("All of my area"))
    await world.press("coordA", co("Monthly files: off"))
    await world.press("coordA", co("Monthly files: on"))
    await world.press("coordA", co("Attendance chart"))
    await world.press("coordA", co("Export: XLSX"))
    await world.press("coordA", co("Export: CSV"))
    # /newgroup down to the confirmation, then cancelled.
    await world.say("coordA", "/newgroup")
    await world.say("coordA", "Kwzq New")
    await world.press("coordA", "Kwzqhill")
    wednesday = str(get_day_names("wide", locale=BABEL_LOCALES[LANG])[2])
    await world.press("coordA", wednesday[:1].upper() + wednesday[1:])
    await world.press("coordA", translator(LANG).time(datetime(2026, 1, 1, 9, 0).time()))
    dates = world.showing("coordA", tr("newgroup", "Cancel"))
    await world.press("coordA", dates.labels[0], dates)
    await world.press("coordA", tr("newgroup", "Cancel"))


async def walk_for_everyone(world: World) -> None:
    await world.say("admin", "/audit")
    await world.press("admin", tr("audit", "Older"))
    await world.crawl("facA", "/guide", GUIDE_ACTIONS, limit=12)
    await world.crawl("facA", "/topics", {"gd"}, limit=1)
    await world.crawl("facA", "/week 1", {"gx"}, limit=1)
    await world.say("facA", "/language")
    await world.press("facA", "Français")
    await world.say("facA", "/wipe")
    await world.press("facA", tr("privacy", "Keep"))


async def walk_the_review(world: World) -> None:
    """The admin reviews the guides of their language: the menu, an item, a verdict."""
    async with world.db.write() as session:
        await reviews.grant_reviewer(
            session, user_id=world.user_ids["admin"], lang=LANG, name="Kwzq Reviewer", actor_id=None
        )
    await world.say("admin", "/review")
    await world.press("admin", tr("review", "Start with the next due"))
    await world.press("admin", tr("review", "For discussion"))
    await world.press("admin", "↑ " + tr("review", "Review menu"))


async def walk_a_month_later(world: World) -> None:
    clock.set(A_MONTH_LATER)
    await run_sweep(world.db)
    await flush_outbox(world.app, world.db)
    await world.settle()
    await world.press("facA", ag("It holds"))
    await world.press("facA", s("Still meeting"))
    await flush_outbox(world.app, world.db)
    await world.settle()


async def harvest(world: World) -> dict[str, str]:
    """Every flow walked by its legitimate user; callback data -> who was shown it."""
    await walk_the_meeting(world)
    await walk_the_roster(world)
    await walk_the_agreement(world)
    (agreement_id,) = await victim_agreements(world.db, world.group_ids("A", "C"))
    await walk_the_coordinator(world, agreement_id)
    await walk_for_everyone(world)
    await walk_the_review(world)
    await walk_a_month_later(world)
    # A draft left open, so that forged taps meet a live draft key.
    await world.say("facA", "/agreement")
    await world.press("facA", "Kwzq Amahoro")
    await world.press("facA", ag("House or property"))
    await world.press("facA", "KWZQ2")
    shown: dict[str, str] = {}
    for who in ("facA", "coordA", "admin"):
        # Newest first: the samples replayed are the buttons that are still live.
        for data in reversed(callback_data(world.people[who])):
            shown.setdefault(data, who)
    return shown


async def test_every_button_replayed_and_forged_by_attackers_changes_and_leaks_nothing(
    tg: TelegramTestServer, bot: Any, db: Database, record_property: Any
) -> None:
    clock.set(T0)
    with ErrorLog() as errors:
        world = await build_world(tg, bot, db)
        shown = await harvest(world)

        prefixes = registered_prefixes(bot)
        by_prefix: dict[str, list[str]] = defaultdict(list)
        for data, _ in shown.items():
            prefix = prefix_of(data, prefixes)
            assert prefix is not None, f"the bot showed a button no handler takes: {data!r}"
            by_prefix[prefix].append(data)
        unseen = sorted(set(prefixes) - set(by_prefix))
        assert not unseen, (
            f"button actions registered but never shown by the walk through the flows: {unseen}"
            " (walk them in tests/trust/test_adversarial.py, or remove the dead handler)"
        )
        harvest_errors = errors.lines()
        assert not harvest_errors, harvest_errors

        await start_draft_for(world, "coordB")
        await flush_outbox(world.app, world.db)
        await world.settle()
        attackers = {name: world.user_ids.get(name) for name in ATTACKERS}
        flows: dict[str, list[str]] = defaultdict(list)
        for prefix in sorted(by_prefix):
            flows[prefixes[prefix]].append(prefix)
        audit_before = await last_audit_id(db)
        found: list[str] = []
        legit: list[str] = []
        counts: dict[str, int] = defaultdict(int)
        before = await snapshot(db)
        snapshots = 1
        own = {name: groups_of(before, uid) for name, uid in attackers.items()}

        async def compare(attacker: str, what: str) -> None:
            nonlocal before, snapshots
            after = await snapshot(db)
            snapshots += 1
            seen = changes(before, after)
            user_id = attackers[attacker]
            ids = {user_id} if user_id else set()
            mine = groups_of(after, user_id)
            for change in forbidden(seen, allowed_groups=mine, actor_ids=ids):
                found.append(f"{attacker} {what}: {change}")
            legit.extend(f"{attacker}: {c}" for c in seen if c.group in mine)
            before = after

        # 1. Every collected button, tapped by every attacker as it was shown. Who is stopped
        # at the door (revoked, stranger) is stopped before the data is read: one of each.
        for attacker in ATTACKERS:
            samples = 1 if attacker in ("revoked", "stranger") else SAMPLES
            for flow, actions in flows.items():
                for prefix in actions:
                    for data in by_prefix[prefix][:samples]:
                        await world.forge(attacker, data)
                        counts[f"replayed as {attacker}"] += 1
                await compare(attacker, f"replaying {flow}")

        # 2. Forged variants, tapped by the attacker with the role of the one who was shown it.
        for prefix, datas in sorted(by_prefix.items()):
            attacker = SAME_ROLE.get(shown[datas[0]], "trainee")
            if prefixes[prefix] in EVERYONES:
                attacker = "trainee"
            own_group = min(own[attacker]) if own[attacker] else None
            victims = world.group_ids("A", "C")
            for forged in mutations(datas[0], prefix, victims, own_group):
                await world.forge(attacker, forged)
                counts[f"forged as {attacker}"] += 1
            await compare(attacker, f"forging {prefix}")

        found += await audit_findings(
            db, audit_before, {u: own[a] for a, u in attackers.items() if u}, before
        )
        for attacker in ATTACKERS:
            found += [f"{attacker} was shown {leak}" for leak in leaks(world.people[attacker])]
        unanswered = tg.unanswered_callback_queries()
        if unanswered:
            found.append(f"taps never answered: {len(unanswered)}")
        found += [f"logged: {line}" for line in errors.lines()]

    summary = summary_line(
        "adversarial callbacks",
        {
            "button data collected": len(shown),
            "actions covered": f"{len(by_prefix)}/{len(prefixes)}",
            "flows": len(flows),
            **dict(sorted(counts.items())),
            "database snapshots compared": snapshots,
            "changes to the attackers' own groups": len(legit),
            "findings": len(found),
        },
    )
    record_property("trust", summary)
    assert not found, summary + "\n" + "\n".join(found[:60])


# --- every command by every role --------------------------------------------------------------


ROLES: dict[str, Role | None] = {
    "stranger": None,
    "trainee": Role.TRAINEE,
    "facB": Role.FACILITATOR,
    "coordB": Role.COORDINATOR,
    "admin": Role.ADMIN,
    "revoked": Role.FACILITATOR,
}
# Coordinators may open the rosters of their area without /roster in their menu.
EXTRA_ROLES = {"roster": STAFF}
# The same people reading English: an answer identical to theirs was not translated.
TWINS = {"trainee": 3003, "facB": 3001, "coordB": 3002, "admin": 3004, "revoked": 3005}


def _all_commands() -> list[Any]:
    everything = {c.name: c for role in Role for c in commands_for(role)}
    return sorted(everything.values(), key=lambda c: c.name)


async def add_twins(world: World) -> None:
    async with world.db.write() as s:
        b, a = await s.get(Group, world.groups["B"]), await s.get(Group, world.groups["A"])
        assert a is not None and b is not None
        await factories.user(s, TWINS["trainee"], Role.TRAINEE, language="en")
        await factories.user(s, TWINS["facB"], Role.FACILITATOR, group_id=b.id, language="en")
        await factories.user(
            s, TWINS["coordB"], Role.COORDINATOR, area="Gitega/Bugendana", language="en"
        )
        await factories.user(s, TWINS["admin"], Role.ADMIN, language="en")
        revoked = await factories.user(
            s, TWINS["revoked"], Role.FACILITATOR, group_id=a.id, language="en"
        )
        await users.revoke_user(s, user_id=revoked.id, actor_id=None)
    for who, telegram_id in TWINS.items():
        world.people[f"{who}.en"] = world.tg.add_user(
            user_id=telegram_id, first_name="Test", language_code="en", started=True
        )


@pytest.mark.parametrize("lang", ["fr", "rn"])
async def test_every_command_by_every_role_answers_in_the_users_language(
    tg: TelegramTestServer, bot: Any, db: Database, lang: str, record_property: Any
) -> None:
    clock.set(T0)
    with ErrorLog() as errors:
        world = await build_world(tg, bot, db, lang)
        await add_twins(world)
        t = translator(lang)
        not_mine = t.pgettext(
            "access", "This is not part of your role. Send /help to see what you can do."
        )
        ended = t.pgettext("access", "Your access to this bot has ended. Ask your coordinator.")
        stranger = "\n\n".join(
            translator(code).pgettext(
                "access",
                "This bot is for the sociotherapy programme. To use it you need an invitation "
                "link from your coordinator. Ask them for one, then open it on this phone.",
            )
            for code in LANGUAGES
        )
        failure = t.pgettext("error", "Sorry, something went wrong. Please try again.")
        found: list[str] = []
        tried = 0
        for who, role in ROLES.items():
            for command in _all_commands():
                answer = await world.say(who, f"/{command.name}")
                tried += 1
                text = answer.plain if answer is not None else ""
                english = ""
                if who in TWINS:
                    twin = await world.say(f"{who}.en", f"/{command.name}")
                    english = twin.plain if twin is not None else ""
                # Said in every language at once: the language picker, and /start to someone
                # whose access ended.
                neutral = command.name == "language" or (
                    who == "revoked" and command.name == "start"
                )
                allowed = role is not None and (
                    role in command.roles or role in EXTRA_ROLES.get(command.name, frozenset())
                )
                if not text or text == failure:
                    found.append(f"{who} /{command.name}: {text!r}")
                elif role is None and command.name != "start" and text != stranger:
                    found.append(f"stranger /{command.name}: not the invitation text")
                elif who == "revoked" and not neutral and text != ended:
                    found.append(f"revoked /{command.name}: not 'access ended': {text[:80]!r}")
                elif who != "revoked" and role is not None and not allowed and text != not_mine:
                    found.append(f"{who} /{command.name}: not 'not your role': {text[:80]!r}")
                elif who != "revoked" and allowed and text == not_mine:
                    found.append(f"{who} /{command.name}: refused although it is their command")
                elif english and text == english and not neutral:
                    found.append(f"{who} /{command.name}: the same as in English: {text[:80]!r}")
        found += [f"logged: {line}" for line in errors.lines()]
    summary = summary_line(
        f"commands by role ({lang})",
        {
            "roles": len(ROLES),
            "commands": len(_all_commands()),
            "tried": tried,
            "findings": len(found),
        },
    )
    record_property("trust", summary)
    assert not found, summary + "\n" + "\n".join(found)
