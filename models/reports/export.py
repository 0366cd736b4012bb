"""The programme's exports: the tables of everything the bot collects, for a scope and a period.

`export_tables` gives the tables of the shared types (models/reports/tables.py) in their order:
meetings, register, reflections, agreements, check-ins and, only on the server
(`identifying=True`), the long form of attendance with sex and origin beside each code. Each row
starts with the group's province, commune and colline. The tables are filled by
export_meetings.py and export_agreements.py.

`export_rows` (and `Export`) are the earlier rows of the coordinators' exports: meetings, a
register of attendance and agreements, without places or period, kept for their callers.

Participant codes only, and no free text: no reflection notes, no agreement summaries.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from models.reports.export_agreements import AGREEMENTS, CHECKINS, agreements_table, checkins_table
from models.reports.export_meetings import (
    ATTENDANCE,
    MEETINGS,
    REFLECTIONS,
    REGISTER,
    attendance_table,
    meetings_table,
    reflections_table,
    register_table,
)
from models.reports.period import Period
from models.reports.places import scoped_groups
from models.reports.tables import Table
from models.scope import Scope

# The tables of `export_tables`, in their order; the last only when identifying.
TABLES = {
    "meetings": MEETINGS,
    "register": REGISTER,
    "reflections": REFLECTIONS,
    "agreements": AGREEMENTS,
    "checkins": CHECKINS,
    "attendance": ATTENDANCE,
}


async def export_tables(
    session: AsyncSession, scope: Scope, period: Period, *, identifying: bool = False
) -> list[Table]:
    """Every table of the export for the groups in scope, in the period.

    `identifying`: add the long form of attendance, with each participant's sex and origin
    beside their code. Only for `bot.py export` on the server; never sent through Telegram.
    """
    groups = await scoped_groups(session, scope)
    tables = [
        await meetings_table(session, scope, groups, period),
        await register_table(session, scope, groups, period),
        await reflections_table(session, scope, groups, period),
        await agreements_table(session, scope, groups, period),
        await checkins_table(session, scope, groups, period),
    ]
    if identifying:
        tables.append(await attendance_table(session, scope, groups, period))
    return tables
