"""Coordinators: agreement alerts and what follows them, /pending, /groups, /report, the digest.

Every alert starts with a neutral line ("A group needs your attention"): the lock screen of a
shared phone shows it. Details come only after "View details", as a new message sent with
protect_content, and every view of details and every export is written to the audit log. What a
coordinator sees is their subtree (models.scope.Scope), an admin everything; an agreement outside
that scope is answered as not found, whatever the button data says.

Button data:
  co:v:<agreement>              view details (a new, protected message)
  co:k:<agreement>              acknowledge (on the alert); co:kd:<agreement> on the details
  co:d:<agreement>:<version>    record (or correct) the reference number of the signed paper
  co:rc / co:rx / co:rv         the attendance chart (PNG) / XLSX export / CSV exports
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from content.telegram_html import escape
from conversations.agreement import (
    ANSWER_NAMES,
    STEP_NAMES,
    kind_name,
    role_names,
)
from conversations.runtime import fallback
from conversations.runtime.callbacks import BadCallback, int_part, pack, pattern, unpack_sub
from conversations.runtime.menu import Command, Np_, declare
from conversations.runtime.outbox import renders
from conversations.runtime.reply import Button, Reply
from conversations.runtime.request import Request
from conversations.runtime.unit_of_work import handler
from exports import writers as exports
from locales import Translator
from models import agreements, reports
from models.agreements import Agreement, Answer, Status
from models.areas import Area, area_names
from models.audit import audit
from models.clock import clock
from models.errors import InvalidInput
from models.groups import WEEKS, Group
from models.outbox import OutboxMessage
from models.scope import Scope
from models.users import Role, User

log = logging.getLogger(__name__)

COORDINATORS = frozenset({Role.COORDINATOR, Role.ADMIN})
# Telegram's limit is 4096 characters; lists stop a little before it and say how many are left.
TEXT_BUDGET = 3600
BAR_CELLS = 10
ANSWER_VALUES = frozenset(a.value for a in Answer)

declare(
    Command("pending", COORDINATORS, Np_("menu", "Agreements waiting for you")),
    Command("groups", COORDINATORS, Np_("menu", "Your groups: weeks, attendance, flags")),
    Command("report", COORDINATORS, Np_("menu", "Report, chart and exports")),
)

STATUS_NAMES = {
    Status.REPORTED: Np_("coordinator", "Waiting for acknowledgement"),
    Status.ACKNOWLEDGED: Np_("coordinator", "Acknowledged, paper not yet documented"),
    Status.DOCUMENTED: Np_("coordinator", "Documented"),
}
EVENT_NAMES = {
    "reported": Np_("coordinator", "reported"),
    "acknowledged": Np_("coordinator", "acknowledged"),
    "documented": Np_("coordinator", "documented, reference {detail}"),
    "reference.corrected": Np_("coordinator", "reference corrected to {detail}"),
    "follow_up.m1": Np_("coordinator", "one month later: {detail}"),
    "follow_up.m3": Np_("coordinator", "three months later: {detail}"),
    "escalated": Np_("coordinator", "escalated to the administrators"),
    "summary.erased": Np_("coordinator", "summary erased (retention)"),
}


def attention(tr: Translator) -> str:
    """The neutral first line of every alert."""
    return tr.pgettext("coordinator", "A group needs your attention")


def _parts(request: Request, sub: str, count: int) -> list[str]:
    return unpack_sub(request.data, "co", sub, count)


def _alert_buttons(tr: Translator, agreement: Agreement) -> list[list[Button]]:
    row = [Button(tr.pgettext("coordinator", "View details"), pack("co", "v", agreement.id))]
    if agreement.status == Status.REPORTED:
        row.insert(
            0, Button(tr.pgettext("coordinator", "Acknowledge"), pack("co", "k", agreement.id))
        )
    return [row]


def bar(rate: float | None) -> str:
    """A text bar for a share between 0 and 1, e.g. ▓▓▓▓▓▓▓░░░ 70%."""
    if rate is None:
        return "-"
    filled = round(rate * BAR_CELLS)
    return f"{'▓' * filled}{'░' * (BAR_CELLS - filled)} {round(rate * 100)}%"


def fit(blocks: Iterable[str], count: int, more: str, budget: int = TEXT_BUDGET) -> str:
    """Joins blocks until the budget; then says how many of the `count` blocks were left out
    (`more` has {count}). Blocks are taken one at a time: with a thousand groups, only the few
    that fit are rendered."""
    text = ""
    for i, block in enumerate(blocks):
        if len(text) + len(block) > budget:
            return text + more.format(count=count - i)
        text += block
    return text


# --- outbox renderers ------------------------------------------------------------------------


async def _agreement_of(session: AsyncSession, row: OutboxMessage) -> Agreement | None:
    return await session.get(Agreement, int(row.data.get("agreement_id", 0)))


async def _hand_over(session: AsyncSession, row: OutboxMessage) -> None:
    """The recipient blocked the bot: the next coordinator up the tree, else the admins."""
    group_id = row.data.get("group_id")
    if group_id is None:
        agreement = await _agreement_of(session, row)
        group_id = agreement.group_id if agreement else None
    group = await session.get(Group, int(group_id or 0))
    if group is not None:
        await agreements.hand_over(session, row, group)


@renders("agreement.alert", fallback=_hand_over)
async def render_alert(
    session: AsyncSession, row: OutboxMessage, user: User, tr: Translator
) -> Reply | None:
    agreement = await _agreement_of(session, row)
    if agreement is None:
        return None
    lines = [
        attention(tr),
        tr.pgettext(
            "coordinator",
            "A new agreement was recorded (no. {number}). Open the details in a private place.",
        ).format(number=agreement.id),
    ]
    return Reply("\n".join(lines), buttons=_alert_buttons(tr, agreement))


@renders("agreement.reminder", fallback=_hand_over)
async def render_reminder(
    session: AsyncSession, row: OutboxMessage, user: User, tr: Translator
) -> Reply | None:
    agreement = await _agreement_of(session, row)
    if agreement is None or agreement.status != Status.REPORTED:
        return None  # acknowledged meanwhile: nothing to remind
    lines = [
        attention(tr),
        tr.pgettext(
            "coordinator",
            "Reminder: agreement no. {number} has waited two days for acknowledgement.",
        ).format(number=agreement.id),
    ]
    return Reply("\n".join(lines), buttons=_alert_buttons(tr, agreement))


@renders("agreement.escalation", fallback=_hand_over)
async def render_escalation(
    session: AsyncSession, row: OutboxMessage, user: User, tr: Translator
) -> Reply | None:
    agreement = await _agreement_of(session, row)
    if agreement is None or agreement.status != Status.REPORTED:
        return None
    lines = [
        attention(tr),
        tr.pgettext(
            "coordinator",
            "Agreement no. {number} has not been acknowledged for four days, although the "
            "coordinators of its area were alerted and reminded.",
        ).format(number=agreement.id),
    ]
    return Reply("\n".join(lines), buttons=_alert_buttons(tr, agreement))


@renders("agreement.answer", fallback=_hand_over)
async def render_answer(
    session: AsyncSession, row: OutboxMessage, user: User, tr: Translator
) -> Reply | None:
    agreement = await _agreement_of(session, row)
    step = str(row.data.get("step", ""))
    if agreement is None or step not in STEP_NAMES:
        return None
    follow_up = next(
        (f for f in await agreements.follow_ups(session, agreement.id) if f.step == step), None
    )
    if follow_up is None or follow_up.answer is None:
        return None
    lines = [
        attention(tr),
        tr.pgettext("coordinator", "Follow-up of agreement no. {number}. {when}: {answer}.").format(
            number=agreement.id,
            when=tr.pgettext(*STEP_NAMES[step]),
            answer=tr.pgettext(*ANSWER_NAMES[Answer(follow_up.answer)]),
        ),
    ]
    buttons = [[Button(tr.pgettext("coordinator", "View details"), pack("co", "v", agreement.id))]]
    return Reply("\n".join(lines), buttons=buttons)


@renders("agreement.referral", fallback=_hand_over)
async def render_referral(
    session: AsyncSession, row: OutboxMessage, user: User, tr: Translator
) -> Reply | None:
    group = await session.get(Group, int(row.data.get("group_id", 0)))
    if group is None:
        return None
    lines = [
        attention(tr),
        tr.pgettext(
            "coordinator",
            "The facilitators of {group} say that a referral is needed. Nothing else is "
            "recorded: please call them.",
        ).format(group=escape(group.name)),
    ]
    return Reply("\n".join(lines))


@renders("digest")
async def render_digest(
    session: AsyncSession, row: OutboxMessage, user: User, tr: Translator
) -> Reply | None:
    if Role(user.role) not in COORDINATORS:
        return None
    scope = await Scope.of(session, user)
    summaries = await reports.group_summaries(session, scope, clock.now())
    if not summaries:
        return None
    totals = await reports.report_totals(session, scope, summaries)
    title = tr.pgettext("coordinator", "Your weekly summary")
    return Reply(report_text(tr, title, summaries, totals))


# --- the texts ---------------------------------------------------------------------------------


def report_text(
    tr: Translator, title: str, summaries: list[reports.GroupSummary], totals: reports.Totals
) -> str:
    head = tr.render(
        "coordinator/report.j2",
        title=title,
        totals=totals,
        attendance=bar(totals.recent_attendance),
    )
    blocks = (
        tr.render(
            "coordinator/report_group.j2",
            group=s,
            attendance=bar(s.recent_attendance),
            flags=flag_texts(tr, s),
        )
        + "\n"
        for s in summaries
    )
    more = tr.pgettext("coordinator", "… and {count} more groups: /groups")
    return head + "\n\n" + fit(blocks, len(summaries), "\n" + more, TEXT_BUDGET - len(head))


def flag_texts(tr: Translator, summary: reports.GroupSummary) -> list[str]:
    flags = []
    if summary.missed:
        flags.append(
            tr.pgettext("coordinator", "Missed sessions (4 weeks): {count}").format(
                count=summary.missed
            )
        )
    if summary.unrecorded:
        flags.append(tr.pgettext("coordinator", "Last meeting not recorded"))
    if summary.absence_streaks:
        flags.append(
            tr.pgettext("coordinator", "Absent twice in a row: {count}").format(
                count=summary.absence_streaks
            )
        )
    if summary.prep_pending:
        flags.append(tr.pgettext("coordinator", "Preparation not done"))
    return flags


async def details_reply(request: Request, agreement: Agreement, *, new: bool) -> Reply:
    session = request.session
    tr = request.tr
    group = await session.get(Group, agreement.group_id)
    assert group is not None
    area = await session.get(Area, group.area_id)
    place = " / ".join(await area_names(session, area)) if area else ""
    events = []
    for event in await agreements.history(session, agreement.id):
        local = tr.local(event.at, group.timezone)
        detail = event.detail or ""
        if event.action.startswith("follow_up.") and detail in ANSWER_VALUES:
            detail = tr.pgettext(*ANSWER_NAMES[Answer(detail)])
        label = EVENT_NAMES.get(event.action)
        what = tr.pgettext(*label).format(detail=detail) if label else event.action
        who = f"#{event.actor_id}" if event.actor_id else tr.pgettext("coordinator", "the bot")
        events.append(f"{tr.date(local.date())} {tr.time(local.timetz())} · {what} · {who}")
    follow = {f.step: f for f in await agreements.follow_ups(session, agreement.id)}
    follow_lines = []
    for step, name in STEP_NAMES.items():
        f = follow.get(step)
        if f is None:
            state = tr.pgettext("coordinator", "not yet asked")
        elif f.answer:
            state = tr.pgettext(*ANSWER_NAMES[Answer(f.answer)])
        elif f.asked_at is None:
            state = tr.pgettext("coordinator", "skipped")
        else:
            state = tr.pgettext("coordinator", "asked, no answer yet")
        follow_lines.append(f"{tr.pgettext(*name)}: {state}")
    text = tr.render(
        "coordinator/details.j2",
        number=agreement.id,
        status=tr.pgettext(*STATUS_NAMES[Status(agreement.status)]),
        group=group.name,
        place=place,
        kind=kind_name(tr, agreement.kind),
        parties=", ".join(await agreements.party_codes(session, agreement.id)),
        outside=role_names(tr, agreement.outside) or "-",
        witnesses=role_names(tr, agreement.witnesses) or "-",
        reached_on=tr.date(agreement.reached_on),
        written=agreement.written,
        reference=agreement.reference,
        summary=agreement.summary,
        follow_ups=follow_lines,
        events=events,
    )
    buttons: list[list[Button]] = []
    if agreement.status == Status.REPORTED:
        buttons.append(
            [Button(tr.pgettext("coordinator", "Acknowledge"), pack("co", "kd", agreement.id))]
        )
    label = (
        tr.pgettext("coordinator", "Correct the reference number")
        if agreement.status == Status.DOCUMENTED
        else tr.pgettext("coordinator", "Record the reference number")
    )
    buttons.append([Button(label, pack("co", "d", agreement.id, agreement.version))])
    return Reply(text, buttons=buttons, new=new, protect=True)


# --- agreements: details, acknowledge, document ---------------------------------------------------


async def _scope(request: Request) -> Scope:
    return await Scope.of(request.session, request.me)


@handler(roles=COORDINATORS, write=True)
async def view_details(request: Request) -> Reply:
    (agreement_id,) = _parts(request, "v", 1)
    agreement = await agreements.get_agreement(
        request.session, await _scope(request), int_part(agreement_id)
    )
    await agreements.record_view(request.session, agreement, request.me.id)
    return await details_reply(request, agreement, new=True)


@handler(roles=COORDINATORS, write=True)
async def acknowledge(request: Request) -> Reply:
    (agreement_id,) = _parts(request, "k", 1)
    done = await agreements.acknowledge(
        request.session,
        scope=await _scope(request),
        agreement_id=int_part(agreement_id),
        actor_id=request.me.id,
    )
    tr = request.tr
    agreement = done.agreement
    if done.changed:
        text = tr.pgettext("coordinator", "Agreement no. {number} acknowledged. Thank you.").format(
            number=agreement.id
        )
    else:
        text = tr.pgettext(
            "coordinator", "Agreement no. {number} was already acknowledged by #{user}."
        ).format(number=agreement.id, user=agreement.acknowledged_by or "-")
    # The alert message is edited: the neutral first line stays, no details are added to it.
    return Reply(f"{attention(tr)}\n{text}", buttons=_alert_buttons(tr, agreement))


@handler(roles=COORDINATORS, write=True)
async def acknowledge_in_details(request: Request) -> Reply:
    """Acknowledge from the details message: the details stay, with the new status."""
    (agreement_id,) = _parts(request, "kd", 1)
    done = await agreements.acknowledge(
        request.session,
        scope=await _scope(request),
        agreement_id=int_part(agreement_id),
        actor_id=request.me.id,
    )
    await agreements.record_view(request.session, done.agreement, request.me.id)
    return await details_reply(request, done.agreement, new=False)


@handler(roles=COORDINATORS)
async def ask_reference(request: Request) -> Reply:
    agreement_id, version = _parts(request, "d", 2)
    agreement = await agreements.get_agreement(
        request.session, await _scope(request), int_part(agreement_id)
    )
    request.context.state.expect("coordinator.reference", f"{agreement.id}:{int_part(version)}")
    tr = request.tr
    text = tr.pgettext(
        "coordinator",
        "Agreement no. {number}: send the reference number written on the signed paper kept "
        "at the office (letters and digits, for example GIT-2026/014). /cancel to stop.",
    ).format(number=agreement.id)
    return Reply(text, new=True)


@fallback.expects_text("coordinator.reference")
@handler(roles=COORDINATORS, write=True)
async def typed_reference(request: Request) -> Reply:
    state = request.context.state
    try:
        agreement_id, version = (int_part(p) for p in (state.ref or "").split(":"))
    except (BadCallback, ValueError):
        state.clear()
        raise InvalidInput() from None
    tr = request.tr
    try:
        agreement = await agreements.document(
            request.session,
            scope=await _scope(request),
            agreement_id=agreement_id,
            version=version,
            reference=request.text,
            actor_id=request.me.id,
        )
    except InvalidInput as error:
        if error.code != "reference":
            raise
        return Reply(
            tr.pgettext(
                "coordinator",
                "That is not a reference number: at most 30 letters, digits and / - . _, with at "
                "least one digit. Please send it again.",
            )
        )
    state.clear()
    text = tr.pgettext(
        "coordinator", "Agreement no. {number} documented: reference {reference}."
    ).format(number=agreement.id, reference=escape(agreement.reference or ""))
    return Reply(
        text,
        buttons=[
            [Button(tr.pgettext("coordinator", "View details"), pack("co", "v", agreement.id))]
        ],
    )


# --- lists: /pending, /groups -----------------------------------------------------------------


async def _pending_reply(request: Request) -> Reply:
    scope = await _scope(request)
    session = request.session
    rows = await agreements.pending(session, scope, limit=20)
    total = await agreements.count_pending(session, scope)
    tr = request.tr
    await audit(session, actor_id=request.me.id, action="pending.view")
    if not rows:
        return Reply(tr.pgettext("coordinator", "No agreement is waiting for you."), new=True)
    groups = {
        g.id: g
        for g in await session.scalars(
            scope.groups().where(Group.id.in_({a.group_id for a in rows}))
        )
    }
    title = tr.pgettext("coordinator", "Agreements waiting")
    lines = [f"<b>{title}</b>"]
    buttons = []
    for agreement in rows:
        group = groups[agreement.group_id]
        local = tr.local(agreement.created_at, group.timezone)
        line = tr.pgettext("coordinator", "No. {number} · {group} · {date} · {status}")
        lines.append(
            line.format(
                number=agreement.id,
                group=escape(group.name),
                date=tr.date(local.date()),
                status=tr.pgettext(*STATUS_NAMES[Status(agreement.status)]),
            )
        )
        buttons.append(
            [
                Button(
                    tr.pgettext("coordinator", "No. {number}: details").format(number=agreement.id),
                    pack("co", "v", agreement.id),
                )
            ]
        )
    if total > len(rows):
        lines.append(
            tr.pgettext("coordinator", "… and {count} more.").format(count=total - len(rows))
        )
    return Reply("\n".join(lines), buttons=buttons, new=True)


@handler(roles=COORDINATORS, write=True)
async def pending_command(request: Request) -> Reply:
    return await _pending_reply(request)


@handler(roles=COORDINATORS)
async def groups_command(request: Request) -> Reply:
    scope = await _scope(request)
    tr = request.tr
    summaries = await reports.group_summaries(request.session, scope, clock.now())
    _audit_before_answer(request, "groups.view")
    if not summaries:
        return Reply(tr.pgettext("coordinator", "There is no group in your area yet."))
    blocks = (
        tr.render(
            "coordinator/group.j2",
            group=s,
            weeks=WEEKS,
            last_session=tr.date(s.last_session) if s.last_session else "-",
            attendance=_percent(s.attendance),
            recent=_percent(s.recent_attendance),
            flags=flag_texts(tr, s),
        )
        + "\n\n"
        for s in summaries
    )
    title = "<b>{}</b>\n\n".format(
        tr.pgettext("coordinator", "Your groups: {count}").format(count=len(summaries))
    )
    more = tr.pgettext("coordinator", "… and {count} more groups.")
    return Reply(title + fit(blocks, len(summaries), more), new=True)


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{round(rate * 100)}%"


# --- /report: figures, chart, exports ------------------------------------------------------------


def _audit_before_answer(request: Request, action: str) -> None:
    """Writes the audit row in a short write transaction of its own once the figures are read.

    The figures are read in a read transaction, so no write lock is held while they are
    computed; `after_commit` runs before the answer is sent, so nothing is shown that the audit
    log does not record.
    """
    db, actor_id = request.services.db, request.me.id

    async def write() -> None:
        async with db.write() as session:
            await audit(session, actor_id=actor_id, action=action)

    request.after_commit.append(write)


def _report_buttons(tr: Translator) -> list[list[Button]]:
    return [
        [Button(tr.pgettext("coordinator", "Attendance chart"), pack("co", "rc"))],
        [
            Button(tr.pgettext("coordinator", "Export: XLSX"), pack("co", "rx")),
            Button(tr.pgettext("coordinator", "Export: CSV"), pack("co", "rv")),
        ],
    ]


@handler(roles=COORDINATORS)
async def report_command(request: Request) -> Reply:
    scope = await _scope(request)
    tr = request.tr
    summaries = await reports.group_summaries(request.session, scope, clock.now())
    _audit_before_answer(request, "report.view")
    if not summaries:
        return Reply(tr.pgettext("coordinator", "There is no group in your area yet."))
    totals = await reports.report_totals(request.session, scope, summaries)
    title = tr.pgettext("coordinator", "Report")
    return Reply(report_text(tr, title, summaries, totals), buttons=_report_buttons(tr), new=True)


def _stamp() -> str:
    return clock.now().strftime("%Y-%m-%d")


@handler(roles=COORDINATORS)
async def chart(request: Request) -> Reply:
    _parts(request, "rc", 0)
    scope = await _scope(request)
    tr = request.tr
    summaries = await reports.group_summaries(request.session, scope, clock.now())
    _audit_before_answer(request, "report.chart")
    title = tr.pgettext("coordinator", "Attendance, last 4 weeks")
    png = await asyncio.to_thread(
        exports.attendance_chart,
        [(s.name, s.recent_attendance) for s in summaries],
        title=title,
        no_data=tr.pgettext("coordinator", "no data"),
    )
    return Reply(title, document=(f"attendance-{_stamp()}.png", png), protect=True, new=True)


# --- exports ----------------------------------------------------------------------------------

# Rows are read in a read transaction and the files built off the event loop (a big workbook
# in a child process); the audit row is committed before a file is sent. A big area's export
# takes seconds: the tap is answered at once with a note that the file follows, and as the
# handler only reads, the bot goes on fetching everyone else's updates meanwhile
# (conversations/runtime/confirm.py).
QUICK_EXPORT_GROUPS = 50


@handler(roles=COORDINATORS)
async def export_xlsx(request: Request) -> list[Reply]:
    _parts(request, "rx", 0)
    return await _export(request, "xlsx")


@handler(roles=COORDINATORS)
async def export_csv(request: Request) -> list[Reply]:
    _parts(request, "rv", 0)
    return await _export(request, "csv")


async def _export(request: Request, kind: str) -> list[Reply]:
    scope = await _scope(request)
    tr = request.tr
    big = await reports.count_groups(request.session, scope) > QUICK_EXPORT_GROUPS
    if big:
        await request.answer_tap_now(
            tr.pgettext("coordinator", "Preparing the file: it comes in a moment.")
        )
    rows = await reports.export_rows(request.session, scope)
    files = await _files(tr, rows, kind, apart=big)
    _audit_before_answer(request, f"export.{kind}")
    return [
        Reply(caption, document=(name, data), protect=True, new=True)
        for name, caption, data in files
    ]


async def _files(
    tr: Translator, rows: reports.Export, kind: str, *, apart: bool
) -> list[tuple[str, str, bytes]]:
    """(file name, caption, content) of each file; `apart`: the workbook in a child process."""
    if kind == "csv":
        files = await asyncio.to_thread(exports.csv_files, tr, rows)
        return [(f"{name}-{_stamp()}.csv", caption, data) for name, caption, data in files]
    caption = tr.pgettext(
        "coordinator", "Sessions, attendance and agreements (participant codes only)."
    )
    if apart:
        data = await exports.workbook_apart(tr, rows)
    else:
        data = await asyncio.to_thread(exports.workbook, tr, rows)
    return [(f"report-{_stamp()}.xlsx", caption, data)]


def handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    taps = {
        "v": view_details,
        "k": acknowledge,
        "kd": acknowledge_in_details,
        "d": ask_reference,
        "rc": chart,
        "rx": export_xlsx,
        "rv": export_csv,
    }
    return [
        CommandHandler("pending", pending_command, filters=private),
        CommandHandler("groups", groups_command, filters=private),
        CommandHandler("report", report_command, filters=private),
        *(
            CallbackQueryHandler(callback, pattern=pattern(f"co:{sub}"))
            for sub, callback in taps.items()
        ),
    ]
