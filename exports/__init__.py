"""Files for coordinators and M&E officers: the XLSX and CSV exports, the attendance chart
(`chart`), the DHIS2 payload (`dhis2`) and the reviewers' suggestions (`reviews`), built from
the domain's tables and figures. Nothing here talks to Telegram.

The programme's files, from the tables and figures of models/reports:

    workbook(tr, tables, figures, meta) -> bytes          the XLSX (exports/xlsx.py)
    workbook_apart(tr, tables, figures, meta) -> bytes    the same, built in a child process
    csv_files(tr, tables, figures, meta) -> [(file name, caption, bytes)]   (exports/csvfiles.py)
    ExportMeta                                            what a file says about itself (meta.py)

These names are imported when first used: `python -m exports.spreadsheet`, the child that
writes a workbook, starts without the bot's vocabulary and translations.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from exports.csvfiles import csv_files
    from exports.meta import ExportMeta
    from exports.xlsx import workbook, workbook_apart

__all__ = [
    "ExportMeta",
    "csv_files",
    "workbook",
    "workbook_apart",
]

_LAZY = {
    "ExportMeta": ("exports.meta", "ExportMeta"),
    "workbook": ("exports.xlsx", "workbook"),
    "workbook_apart": ("exports.xlsx", "workbook_apart"),
    "csv_files": ("exports.csvfiles", "csv_files"),
}


def __getattr__(name: str) -> Any:
    # Anything else (a submodule such as `chart`) is not found here, so `import` loads it.
    if name not in _LAZY:
        raise AttributeError(f"module 'exports' has no attribute {name!r}")
    module, attribute = _LAZY[name]
    return getattr(importlib.import_module(module), attribute)
