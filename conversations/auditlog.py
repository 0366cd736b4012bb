"""/audit: an admin reads the audit log (who did what to which record, when), newest first."""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from conversations.runtime.callbacks import int_part, pack, pattern, unpack
from conversations.runtime.menu import Command, Np_, declare
from conversations.runtime.reply import Button, Reply
from conversations.runtime.request import Request
from conversations.runtime.unit_of_work import handler
from models.audit import audit, audit_page
from models.users import Role

ADMINS = frozenset({Role.ADMIN})
PAGE = 15

declare(Command("audit", ADMINS, Np_("menu", "The audit log")))


async def _page(request: Request, before_id: int | None) -> Reply:
    entries = await audit_page(request.session, before_id=before_id, limit=PAGE)
    await audit(request.session, actor_id=request.me.id, action="audit.view")
    tr = request.tr
    # Ids and names of actions only: the log holds no contents, and shows no names.
    lines = [
        {
            "at": f"{entry.at:%Y-%m-%d %H:%M}",
            "who": f"#{entry.actor_id}" if entry.actor_id else None,
            "action": entry.action,
            "record": f" {entry.record_type} {entry.record_id}" if entry.record_type else "",
        }
        for entry in entries
    ]
    buttons = []
    if len(entries) == PAGE:
        buttons.append([Button(tr.pgettext("audit", "Older"), pack("au", entries[-1].id))])
    return Reply(tr.render("auditlog/page.j2", lines=lines), buttons=buttons)


@handler(roles=ADMINS, write=True)
async def audit_command(request: Request) -> Reply:
    reply = await _page(request, None)
    reply.new = True
    return reply


@handler(roles=ADMINS, write=True)
async def older(request: Request) -> Reply:
    (before,) = unpack(request.data, "au", 1)
    return await _page(request, int_part(before))


def handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    return [
        CommandHandler("audit", audit_command, filters=private),
        CallbackQueryHandler(older, pattern=pattern("au")),
    ]
