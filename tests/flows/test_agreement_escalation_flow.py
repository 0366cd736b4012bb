"""Agreements waiting for a coordinator, end to end with the clock moved: an unacknowledged one
climbs the area tree (colline → commune → province → admins), each person told in their own
language with no details; details open on a tap, within the reader's area, audited. An
acknowledged one without its reference is reminded, then escalated; the facilitators are told
when it is acknowledged and when it is documented."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from conversations.vocabulary.agreements import kind_name
from locales import translator
from models import roster
from models.agreements import Agreement, Status
from models.audit import AuditEntry
from models.clock import clock
from models.db import Database
from models.groups import Group
from models.sweep import run_sweep
from models.users import Role, get_user
from tests.support import factories
from tests.support.e2e import flush_outbox, register
from tests.support.tgserver import TelegramTestServer

# Wednesday 25 November 2026, 14:00 in Bujumbura.
WEDNESDAY = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
REACHED = date(2026, 11, 25)
OTHER = {"fr": "rn", "rn": "fr"}
# What an alert must never show: parties, group, place, summary, kind.
SECRETS = ("A1", "A2", "Amahoro", "Kabuye", "Giheta", "field")


def c(lang: str, msgid: str) -> str:
    return translator(lang).pgettext("coordinator", msgid)


def a(lang: str, msgid: str) -> str:
    return translator(lang).pgettext("agreement", msgid)


async def area_id(db: Database, path: str) -> int:
    async with db.write() as s:
        return (await factories.area_path(s, path)).id


async def make_group(db: Database) -> Group:
    async with db.write() as s:
        group = await factories.group(
            s, weekday=2, meet_time=time(9, 0), start_date=date(2026, 11, 4)
        )
        await roster.add_codes(s, group=group, text="A1, A2, A3, A4", actor_id=None)
    return group


async def new_agreement(db: Database, group: Group, reporter_telegram_id: int) -> int:
    async with db.write() as s:
        stored = await s.get(Group, group.id)
        reporter = await get_user(s, reporter_telegram_id)
        assert stored is not None and reporter is not None
        return int((await factories.agreement(s, group=stored, reporter=reporter)).id)


async def coordinator(tg: TelegramTestServer, db: Database, uid: int, lang: str, path: str) -> Any:
    return await register(tg, db, uid, Role.COORDINATOR, lang, area_id=await area_id(db, path))


async def sweep_at(bot: Any, db: Database, when: datetime) -> None:
    clock.set(when)
    await run_sweep(db)
    await run_sweep(db)  # a repeat sends nothing twice
    await flush_outbox(bot, db)


def assert_neutral(message: Any, lang: str, *texts: str) -> None:
    """The coordinator's alert: neutral first line, the expected sentence, no details."""
    assert message.plain.split("\n")[0] == c(lang, "A group needs your attention")
    for text in texts:
        assert text in message.plain
    for secret in (*SECRETS, kind_name(translator(lang), "land")):
        assert secret not in message.plain


def about_agreements(person: Any) -> list[Any]:
    """What the person was sent and has not read, about agreements (not the Monday digest)."""
    firsts = {
        first
        for lang in ("fr", "rn")
        for first in (
            c(lang, "A group needs your attention"),
            a(lang, "A message about your group"),
        )
    }
    return [m for m in person.drain() if m.plain.split("\n")[0] in firsts]


def escalation(lang: str, reached: date, days: int) -> str:
    return c(
        lang,
        "The agreement of {date} has not been acknowledged for {days} days, although the "
        "coordinators closer to its group were alerted and reminded.",
    ).format(date=translator(lang).date(reached), days=days)


async def reached_on(db: Database, number: int) -> date:
    """The day an agreement was reached: how messages name it (never by its number)."""
    async with db.read() as s:
        agreement = await s.get(Agreement, number)
        assert agreement is not None
        return agreement.reached_on


@pytest.mark.parametrize("lang", ["rn", "fr"])
async def test_an_unacknowledged_agreement_climbs_the_area_tree(
    tg: TelegramTestServer, bot: Any, db: Database, lang: str
) -> None:
    clock.set(WEDNESDAY)
    group = await make_group(db)
    await register(tg, db, 960, Role.FACILITATOR, lang, group_id=group.id)
    # Each level reads another language than the one below it.
    colline = await coordinator(tg, db, 961, lang, "Gitega/Giheta/Kabuye")
    commune = await coordinator(tg, db, 962, OTHER[lang], "Gitega/Giheta")
    province = await coordinator(tg, db, 963, lang, "Gitega")
    elsewhere = await coordinator(tg, db, 964, lang, "Ngozi")
    admin = await register(tg, db, 965, Role.ADMIN, OTHER[lang])
    number = await new_agreement(db, group, 960)
    reached = await reached_on(db, number)
    await flush_outbox(bot, db)
    alert = await colline.next_message()
    assert_neutral(
        alert,
        lang,
        c(
            lang,
            "A new agreement was recorded (reached on {date}). Open the details in a private "
            "place.",
        ).format(date=translator(lang).date(reached)),
    )

    await sweep_at(bot, db, WEDNESDAY + timedelta(hours=48))
    reminder = c(lang, "Reminder: the agreement of {date} has waited two days for acknowledgement.")
    assert_neutral(
        await colline.next_message(), lang, reminder.format(date=translator(lang).date(reached))
    )
    assert commune.pending_events == province.pending_events == admin.pending_events == 0

    await sweep_at(bot, db, WEDNESDAY + timedelta(hours=96))
    told = await commune.next_message()
    assert_neutral(told, OTHER[lang], escalation(OTHER[lang], reached, 4))
    assert told.labels == [c(OTHER[lang], "Acknowledge"), c(OTHER[lang], "View details")]
    assert colline.pending_events == province.pending_events == admin.pending_events == 0

    # The commune coordinator opens the details of a colline's group: within their area, audited.
    await commune.tap(told, c(OTHER[lang], "View details"))
    details = await commune.next_message()
    assert details.protect_content and details.message_id != told.message_id
    for expected in ("A1, A2", "Amahoro", "Gitega / Giheta / Kabuye"):
        assert expected in details.plain
    async with db.read() as s:
        reader = await get_user(s, 962)
        assert reader is not None
        views = list(
            await s.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "agreement.view", AuditEntry.record_id == number
                )
            )
        )
    assert [v.actor_id for v in views] == [reader.id]

    await sweep_at(bot, db, WEDNESDAY + timedelta(hours=144))
    assert_neutral(await province.next_message(), lang, escalation(lang, reached, 6))
    await sweep_at(bot, db, WEDNESDAY + timedelta(hours=192))
    to_admin = await admin.next_message()
    assert_neutral(to_admin, OTHER[lang], escalation(OTHER[lang], reached, 8))
    await sweep_at(bot, db, WEDNESDAY + timedelta(days=20))
    for person in (colline, commune, province, admin, elsewhere):
        assert about_agreements(person) == []
    neutral = c(lang, "A group needs your attention")
    assert not [m for m in elsewhere.all_bot_messages if m.plain.startswith(neutral)]

    # The admin acknowledges from the escalation; nothing more is sent about it.
    await admin.tap(to_admin, c(OTHER[lang], "Acknowledge"))
    await admin.next_message()
    async with db.read() as s:
        stored = await s.get(Agreement, number)
        assert stored is not None and stored.status == Status.ACKNOWLEDGED


@pytest.mark.parametrize("lang", ["fr", "rn"])
async def test_acknowledged_undocumented_is_reminded_then_escalated_and_facilitators_told(
    tg: TelegramTestServer, bot: Any, db: Database, lang: str
) -> None:
    clock.set(WEDNESDAY)
    group = await make_group(db)
    facilitator = await register(tg, db, 970, Role.FACILITATOR, lang, group_id=group.id)
    co_facilitator = await register(tg, db, 971, Role.FACILITATOR, OTHER[lang], group_id=group.id)
    first = await coordinator(tg, db, 972, lang, "Gitega/Giheta")
    second = await coordinator(tg, db, 973, OTHER[lang], "Gitega/Giheta")
    province = await coordinator(tg, db, 974, OTHER[lang], "Gitega")
    admin = await register(tg, db, 975, Role.ADMIN, lang)
    number = await new_agreement(db, group, 970)
    reached = await reached_on(db, number)
    await flush_outbox(bot, db)
    alert = await first.next_message()
    await second.next_message()

    # Acknowledged: both facilitators are told, each in their language, with no details.
    await first.tap(alert, c(lang, "Acknowledge"))
    await first.next_message()
    await flush_outbox(bot, db)
    for person, language in ((facilitator, lang), (co_facilitator, OTHER[lang])):
        tr = translator(language)
        notice = await person.wait_for(
            lambda m, language=language: m.plain.startswith(
                a(language, "A message about your group")
            )
        )
        assert notice.plain == "\n".join(
            [
                a(language, "A message about your group"),
                a(
                    language,
                    "{group}: the coordinator has received the agreement of {date} ({kind}).",
                ).format(group="Amahoro", date=tr.date(REACHED), kind=kind_name(tr, "land")),
            ]
        )
        assert notice.labels == []
    acknowledged = clock.now()

    # A week later the reference is still missing: whoever acknowledged and their level.
    await sweep_at(bot, db, acknowledged + timedelta(days=7) - timedelta(minutes=1))
    assert first.pending_events == second.pending_events == 0
    await sweep_at(bot, db, acknowledged + timedelta(days=7))
    for person, language in ((first, lang), (second, OTHER[lang])):
        reminded = await person.next_message()
        assert_neutral(
            reminded,
            language,
            c(
                language,
                "The agreement of {date} was acknowledged {days} days ago and its reference "
                "number is not recorded yet. Once the signed paper is at the office, record "
                "its number.",
            ).format(date=translator(language).date(reached), days=7),
        )
        assert reminded.labels == [c(language, "View details")]
    assert province.pending_events == admin.pending_events == 0

    # Two weeks: one level up.
    await sweep_at(bot, db, acknowledged + timedelta(days=14))
    told = await province.next_message()
    other = OTHER[lang]
    assert_neutral(
        told,
        other,
        c(
            other,
            "The agreement of {date} was acknowledged {days} days ago, but its signed paper is "
            "still not documented, although the coordinators closer to its group were reminded.",
        ).format(date=translator(other).date(reached), days=14),
    )
    assert first.pending_events == second.pending_events == admin.pending_events == 0

    # The province coordinator opens it and records the reference: the facilitators are told.
    await province.tap(told, c(other, "View details"))
    details = await province.next_message()
    await province.tap(details, c(other, "Record the reference number"))
    await province.next_message()
    await province.send("GIT-2026/031")
    await province.next_message()
    await flush_outbox(bot, db)
    for person, language in ((facilitator, lang), (co_facilitator, OTHER[lang])):
        tr = translator(language)
        notice = await person.wait_for(
            lambda m, language=language: m.plain.startswith(
                a(language, "A message about your group")
            )
        )
        documented = a(
            language,
            "{group}: the coordinator has documented the agreement of {date} ({kind}): the "
            "signed paper is kept at the office.",
        ).format(group="Amahoro", date=tr.date(REACHED), kind=kind_name(tr, "land"))
        assert notice.plain == "\n".join([a(language, "A message about your group"), documented])
        assert "GIT" not in notice.plain and "#" not in notice.plain

    # Documented: no more reminders, and the admins never hear of it.
    await sweep_at(bot, db, acknowledged + timedelta(days=40))
    for person in (first, second, province, admin, facilitator, co_facilitator):
        assert about_agreements(person) == []
