"""What coordinators see: the figures of an area, the rows of its exports, the weekly digest.

    figures   per-group summaries and flags, totals (`area_report`, `group_summaries`, ...)
    export    the rows of the XLSX and CSV exports (`export_rows`, the column names)
    digest    the Monday digest: the sweep that queues it, the figures it shows
    rows      reading many rows a partition at a time

The digest's finder is in the sweep's plan (models/schedule.py).
"""

from models.reports.digest import (
    DIGEST_HOUR,
    DIGEST_WEEKDAY,
    digest_figures,
    digest_period,
    find_digests,
)
from models.reports.export import (
    AGREEMENT_COLUMNS,
    ATTENDANCE_COLUMNS,
    MEETING_COLUMNS,
    WEEK_COLUMNS,
    Export,
    export_rows,
)
from models.reports.figures import (
    PREP_WARNING_DAYS,
    RECENT_DAYS,
    RECORD_GRACE,
    RECORD_WINDOW,
    AreaReport,
    GroupSummary,
    Totals,
    area_report,
    count_groups,
    group_summaries,
    report_totals,
    visible_groups,
)
from models.reports.rows import PARTITION_ROWS, stream_rows

__all__ = [
    "AGREEMENT_COLUMNS",
    "ATTENDANCE_COLUMNS",
    "DIGEST_HOUR",
    "DIGEST_WEEKDAY",
    "MEETING_COLUMNS",
    "PARTITION_ROWS",
    "PREP_WARNING_DAYS",
    "RECENT_DAYS",
    "RECORD_GRACE",
    "RECORD_WINDOW",
    "WEEK_COLUMNS",
    "AreaReport",
    "Export",
    "GroupSummary",
    "Totals",
    "area_report",
    "count_groups",
    "digest_figures",
    "digest_period",
    "export_rows",
    "find_digests",
    "group_summaries",
    "report_totals",
    "stream_rows",
    "visible_groups",
]
