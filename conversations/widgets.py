"""Keyboards that flows share: choosing a group (a facilitator with several groups is asked which
one, everyone else not), and the button that starts recording an agreement."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from conversations.runtime.callbacks import pack
from conversations.runtime.reply import Button, Reply
from conversations.runtime.request import Request
from locales import Translator
from models.groups import Group, groups_visible_to


async def my_groups(request: Request) -> list[Group]:
    """The groups this user leads (facilitators) or may see (coordinators, admins)."""
    return await groups_visible_to(request.session, request.me)


def choose_group(
    request: Request, groups: Sequence[Group], data: Callable[[Group], str], new: bool = True
) -> Reply:
    """One button per group; `data` builds the flow's own callback data for a group."""
    text = request.tr.render("widgets/which_group.j2")
    buttons = [[Button(g.self_help_name or g.name, data(g))] for g in groups[:30]]
    return Reply(text, buttons=buttons, new=new)


def no_group(request: Request) -> Reply:
    return Reply(request.tr.render("widgets/no_group.j2"), new=True)


def agreement_button(tr: Translator, group_id: int) -> Button:
    """For other screens (the week's record): start recording an agreement for this group.

    Its data is the agreement flow's first tap, ag:g:<group> (conversations/agreement/codec.py),
    a shared keyboard so that other flows need not import that flow.
    """
    return Button(tr.pgettext("agreement", "Record an agreement"), pack("ag", "g", group_id))
