"""`python bot.py export`, run as an operator would on the server, against a seeded programme
(tests/domain/seeded_programme.py: two provinces, six groups, meetings with attendance,
participants with sex and origin, reflections, agreements): the files are read back."""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
import string
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook
from sqlalchemy import select

from conversations.vocabulary.roster import gender_name, origin_name
from exports.meta import OPERATOR
from locales import Translator, translator
from models.audit import AuditEntry
from models.db import Database
from models.settings import Settings
from tests.domain.seeded_programme import GROUPS, SECRETS, Seeded, seed
from tests.support.command_line import cli

EXAMPLE = Path(__file__).resolve().parents[2] / "exports" / "dhis2-mapping.example.yaml"
WHOLE = ("--from", "2026-08-01", "--to", "2027-02-10")
PLACEHOLDER = re.compile(r'"<uid:[^>]*>"')
# The long form's columns read here: its header (msgctxt, msgid).
LONG_FORM = {
    "group": ("export", "Group"),
    "code": ("export", "Participant code"),
    "sex": ("roster", "Gender"),
    "origin": ("roster", "Returnee or resident"),
}


@pytest.fixture
async def seeded(db: Database) -> Seeded:
    return await seed(db)


async def actions(db: Database) -> list[str]:
    async with db.read() as s:
        return list(await s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def new_uid() -> str:
    """A DHIS2 uid: a letter, then 10 letters or digits."""
    return "a" + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(10))


def filled_mapping(path: Path, *, without: str | None = None, areas: bool = True) -> Path:
    """The example mapping with every placeholder replaced by a uid of its own, and the seeded
    areas it does not list (Mirama, Ngozi's) added unless not `areas`; `without`: an indicator's
    line left out."""
    text = PLACEHOLDER.sub(lambda _: f'"{new_uid()}"', EXAMPLE.read_text(encoding="utf-8"))
    assert "<uid" not in text
    if without is not None:
        lines = text.splitlines()
        kept = [line for line in lines if not line.strip().startswith(f"{without}:")]
        assert len(kept) == len(lines) - 1
        text = "\n".join(kept) + "\n"
    text += areas * (
        '  "Gitega/Giheta/Mirama": ~\n'
        '  "Ngozi": ~\n'
        f'  "Ngozi/Busiga": "{new_uid()}"\n'
        '  "Ngozi/Busiga/Ruhororo": ~\n'
    )
    path.write_text(text, encoding="utf-8")
    return path


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "no UTF-8 byte-order mark"
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8")), delimiter=";"))


def column(rows: list[list[str]], tr: Translator, header: str) -> list[str]:
    index = rows[0].index(tr.pgettext("export", header))
    return [row[index] for row in rows[1:]]


async def test_xlsx_holds_the_long_form_with_sex_and_origin(
    settings: Settings, db: Database, seeded: Seeded, tmp_path: Path
) -> None:
    tr = translator("fr")
    out = tmp_path / "out"
    before = await actions(db)
    result = cli(settings, "export", *WHOLE, "--format", "xlsx", "--out", str(out))
    assert result.returncode == 0, result.stderr
    path = out / "programme_2026-08-01_2027-02-10.xlsx"
    assert f"wrote {path}" in result.stdout
    book = load_workbook(path)
    names = ["Indicators", "Sessions", "Register", "Reflections", "Agreements", "Check-ins"]
    names += ["Attendance", "Codes", "About this file"]
    assert book.sheetnames == [tr.pgettext("export", name) for name in names]

    rows = list(book[tr.pgettext("export", "Attendance")].iter_rows(values_only=True))
    headers = list(rows[0])
    assert tr.pgettext("roster", "Gender") in headers
    assert tr.pgettext("roster", "Returnee or resident") in headers
    at = {name: headers.index(tr.pgettext(*label)) for name, label in LONG_FORM.items()}
    seen = {(row[at["group"]], row[at["code"]]): row for row in rows[1:]}
    woman = seen["Amahoro", "A01"]
    assert woman[at["sex"]] == gender_name(tr, "f")
    assert woman[at["origin"]] == origin_name(tr, "returnee")
    man = seen["Amahoro", "A09"]
    assert (man[at["sex"]], man[at["origin"]]) == (
        gender_name(tr, "m"),
        origin_name(tr, "resident"),
    )
    # Turikumwe: nobody's sex or origin recorded.
    unknown = seen["Turikumwe", "K1"]
    assert unknown[at["sex"]] is None and unknown[at["origin"]] is None
    assert {row[at["group"]] for row in rows[1:]} >= {"Amahoro", "Ejo", "Twiyunge"}

    about = dict(
        row[:2]
        for row in book[tr.pgettext("export", "About this file")].iter_rows(values_only=True)
    )
    assert about[tr.pgettext("export", "Exported by")] == tr.pgettext(*OPERATOR)
    assert tr.pgettext("export", "Caution") in about
    everything = " ".join(
        str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
    )
    assert not any(secret in everything for secret in SECRETS)
    assert await actions(db) == [*before, "export.server.xlsx"]


def planned_meetings(area: str, start: date, end: date) -> set[tuple[str, str]]:
    """(group, date) of every meeting the plan records in the area and the period."""
    return {
        (plan.name, meeting.day.isoformat())
        for plan in GROUPS
        if f"{plan.path}/".startswith(f"{area}/")
        for meeting in plan.meetings
        if start <= meeting.day <= end
    }


async def test_csv_files_for_an_area_and_a_month(
    settings: Settings, db: Database, seeded: Seeded, tmp_path: Path
) -> None:
    tr = translator("fr")
    out = tmp_path / "gitega"
    before = await actions(db)
    result = cli(
        settings, "export", "--area", "Gitega", "--from", "2026-10-01", "--to", "2026-10-31",
        "--format", "csv", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    stamp = "2026-10-01_2026-10-31"
    names = ["indicators", "meetings", "register", "reflections", "agreements", "checkins"]
    names += ["attendance", "codes", "about"]
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}_{stamp}.csv" for n in names)
    assert f"wrote {len(names)} files to {out}" in result.stdout
    files = {name: csv_rows((out / f"{name}_{stamp}.csv").read_bytes()) for name in names}

    meetings = files["meetings"]
    assert len(meetings[0]) > 5 and all(len(row) == len(meetings[0]) for row in meetings)
    assert set(column(meetings, tr, "Province")) == {"Gitega"}
    found = set(zip(column(meetings, tr, "Group"), column(meetings, tr, "Date"), strict=True))
    assert found == planned_meetings("Gitega", date(2026, 10, 1), date(2026, 10, 31))
    assert {"Amahoro", "Ubumwe"} <= {group for group, _ in found}

    attendance = files["attendance"]
    groups = set(column(attendance, tr, "Group"))
    assert groups and not groups & {"Ejo", "Turikumwe", "Dusabane"}
    assert all("2026-10-01" <= day <= "2026-10-31" for day in column(attendance, tr, "Date"))
    header = attendance[0]
    sexes = {row[header.index(tr.pgettext("roster", "Gender"))] for row in attendance[1:]}
    origins = {
        row[header.index(tr.pgettext("roster", "Returnee or resident"))] for row in attendance[1:]
    }
    assert {gender_name(tr, "f"), gender_name(tr, "m")} <= sexes
    assert {origin_name(tr, "returnee"), origin_name(tr, "resident")} <= origins

    about = dict(row[:2] for row in files["about"][1:])
    assert about[tr.pgettext("export", "Exported by")] == tr.pgettext(*OPERATOR)
    assert about[tr.pgettext("export", "Area")] == "Gitega"
    assert await actions(db) == [*before, "export.server.csv"]

    # Without --area: the other province's groups are there too.
    everywhere = tmp_path / "everywhere"
    result = cli(settings, "export", *WHOLE, "--format", "csv", "--out", str(everywhere))
    assert result.returncode == 0, result.stderr
    rows = csv_rows((everywhere / "meetings_2026-08-01_2027-02-10.csv").read_bytes())
    assert {"Gitega", "Ngozi"} == set(column(rows, tr, "Province"))
    assert {"Ejo", "Turikumwe", "Amahoro"} <= set(column(rows, tr, "Group"))
    assert await actions(db) == [*before, "export.server.csv", "export.server.csv"]


async def test_dhis2_sends_whole_months(
    settings: Settings, db: Database, seeded: Seeded, tmp_path: Path
) -> None:
    path = filled_mapping(tmp_path / "mapping.yaml")
    mapping = yaml.safe_load(path.read_text(encoding="utf-8"))
    giheta, busiga = mapping["orgUnits"]["Gitega/Giheta"], mapping["orgUnits"]["Ngozi/Busiga"]
    before = await actions(db)
    out = tmp_path / "dhis2"
    result = cli(
        settings, "export", "--format", "dhis2", "--mapping", str(path),
        "--from", "2026-11-01", "--to", "2026-12-31", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    written = out / "dhis2_2026-11-01_2026-12-31.json"
    assert f"wrote {written}" in result.stdout and "Data values for DHIS2:" in result.stdout
    values = json.loads(written.read_text(encoding="utf-8"))["dataValues"]
    assert {value["period"] for value in values} == {"202611", "202612"}
    assert {value["orgUnit"] for value in values} == {giheta, busiga}
    elements = {
        target["dataElement"]
        for entry in mapping["indicators"].values()
        for target in (entry if isinstance(entry, list) else [entry])
    }
    assert {value["dataElement"] for value in values} <= elements
    assert all(isinstance(value["value"], str) for value in values)
    held = mapping["indicators"]["sessions_held"]["dataElement"]
    sent = {(v["period"], v["orgUnit"]): v["value"] for v in values if v["dataElement"] == held}
    for month, first, last in (("202611", 1, 30), ("202612", 1, 31)):
        for unit, area in ((giheta, "Gitega/Giheta"), (busiga, "Ngozi/Busiga")):
            expected = sum(
                1
                for plan in GROUPS
                if plan.path.startswith(f"{area}/")
                for meeting in plan.meetings
                if meeting.status == "held"
                and date(int(month[:4]), int(month[4:]), first)
                <= meeting.day
                <= date(int(month[:4]), int(month[4:]), last)
            )
            assert sent[month, unit] == str(expected), (month, area)
    assert await actions(db) == [*before, "export.server.dhis2"]

    # Without --from and --to: every whole month so far, from the month of the first group's
    # start (September 2026) to the last month that is over (by the real clock).
    result = cli(settings, "export", "--format", "dhis2", "--mapping", str(path), "--out", str(out))
    assert result.returncode == 0, result.stderr
    today = datetime.now(settings.tz).date()
    last = today.replace(day=1) - timedelta(days=1)
    written = out / f"dhis2_2026-09-01_{last.isoformat()}.json"
    periods = {v["period"] for v in json.loads(written.read_text(encoding="utf-8"))["dataValues"]}
    months = {f"{year}{month:02d}" for year in range(2026, last.year + 1) for month in range(1, 13)}
    assert periods == {m for m in months if "202609" <= m <= f"{last.year}{last.month:02d}"}
    assert await actions(db) == [*before, "export.server.dhis2", "export.server.dhis2"]


async def test_dhis2_refuses_a_mapping_with_an_entry_missing(
    settings: Settings, db: Database, seeded: Seeded, tmp_path: Path
) -> None:
    before = await actions(db)
    out = tmp_path / "dhis2"
    month = ("--from", "2026-11-01", "--to", "2026-11-30", "--out", str(out))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return cli(settings, "export", "--format", "dhis2", *args, *month)

    no_legal = filled_mapping(tmp_path / "no_legal.yaml", without="referrals_legal")
    refused = run("--mapping", str(no_legal))
    assert refused.returncode != 0
    assert "indicators: referrals_legal" in refused.stderr

    no_areas = filled_mapping(tmp_path / "no_areas.yaml", areas=False)
    refused = run("--mapping", str(no_areas))
    assert refused.returncode != 0
    assert "orgUnits: Gitega/Giheta/Mirama" in refused.stderr
    assert "orgUnits: Ngozi/Busiga" in refused.stderr

    # The example as it comes: each placeholder named, as not a uid.
    refused = run("--mapping", str(EXAMPLE))
    assert refused.returncode != 0
    assert "indicators: sessions_held: dataElement: '<uid: data element" in refused.stderr

    missing = run()
    assert missing.returncode == 2
    assert "--mapping" in missing.stderr
    assert "exports/dhis2-mapping.example.yaml" in missing.stderr

    mid_month = cli(
        settings, "export", "--format", "dhis2", "--mapping", str(no_legal),
        "--from", "2026-11-15", "--to", "2026-11-30", "--out", str(out),
    )  # fmt: skip
    assert mid_month.returncode == 2 and "whole months" in mid_month.stderr

    assert not out.exists() or not any(out.iterdir())
    assert await actions(db) == before


async def test_bad_dates_are_refused_clearly(settings: Settings, tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    for flag in ("--from", "--to"):
        result = cli(settings, "export", flag, "2026-13-01", "--format", "csv", "--out", out)
        assert result.returncode == 2
        assert "usage: bot.py export" in result.stderr
        assert f"argument {flag}: '2026-13-01' is not a date as YYYY-MM-DD" in result.stderr
    backwards = cli(settings, "export", "--from", "2026-12-01", "--to", "2026-11-01", "--out", out)
    assert backwards.returncode == 2
    assert "2026-12-01 is after 2026-11-01" in backwards.stderr
    assert not (tmp_path / "out").exists()
