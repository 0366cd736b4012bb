"""`python3 -m benchmarks`: every measurement of the README's "Performance" section, one table.

    python3 -m benchmarks                 the whole benchmark (a few minutes on 2 cores)
    python3 -m benchmarks --quick         a small version of each part (the smoke test runs it)
    python3 -m benchmarks --readme        also write the table into README.md

PostgreSQL is measured when it answers at BENCH_DATABASE_URL, TEST_DATABASE_URL or
postgresql://postgres@127.0.0.1:5432/test (in its own schema, `bench`). Each measurement runs in
processes of its own; the bot under test always runs alone in one.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
MARK_START = "<!-- benchmark {name}: start -->"
MARK_END = "<!-- benchmark {name}: end -->"
NAMES = {"bare": "bare bot", "sqlite": "ours, SQLite", "postgresql": "ours, PostgreSQL"}
# People at once in part 1. Each does a third of their week, waiting for every answer: the work
# grows with the number, and 200 keep the whole run within minutes on two cores
# (`--users 1000`: about ten minutes more).
DEFAULT_USERS = 200
# The longest one part may take (1,000 people at once take about four minutes), and in --quick.
CHILD_TIMEOUT, QUICK_CHILD_TIMEOUT = 1800.0, 240.0


def ensure_environment() -> None:
    """Runs itself again inside `.venv` (created by bot.py with the test extra when missing)."""
    if os.environ.get("BOT_SYSTEM_PYTHON") == "1" or Path(sys.prefix).resolve() == VENV.resolve():
        return
    python = VENV / "bin" / "python"
    stamp = VENV / ".installed"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    installed = stamp.read_text().split() if stamp.exists() else []
    if not python.exists() or not installed or installed[0] != digest or "test" not in installed:
        # bot.py knows how to build the environment; `test -- --version` asks pytest its version.
        print("Setting up .venv (once) ...", flush=True)
        subprocess.check_call(
            [sys.executable, str(ROOT / "bot.py"), "test", "--", "--version"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
    os.execv(str(python), [str(python), "-m", "benchmarks", *sys.argv[1:]])


# --- the plan ---------------------------------------------------------------------------------


def plan(args: argparse.Namespace, postgres: bool) -> list[dict[str, Any]]:
    """Every run, in order: one child process each."""
    quick = args.quick
    kinds = ["sqlite", "postgresql"] if postgres else ["sqlite"]
    users = args.users or (24 if quick else DEFAULT_USERS)
    runs: list[dict[str, Any]] = [
        {
            "part": "idle",
            "kind": "sqlite",
            "groups": 10 if quick else 1000,
            "idle": 1 if quick else 10,
        }
    ]
    runs += [{"part": "cost", "language": lang} for lang in (("rn",) if quick else ("rn", "fr"))]
    runs += [
        {"part": "headroom", "kind": kind, "users": users, "full_weeks": args.full_weeks}
        for kind in ["bare", *kinds]
    ]
    # At 30 updates a second, on this machine; then with Telegram 50 ms away, as from a server
    # in Europe (a real network's round trip, which the bot waits for on every call).
    steady = [(kind, 0.0) for kind in kinds] + ([] if quick else [("sqlite", 0.05)])
    runs += [
        {
            "part": "steady",
            "kind": kind,
            "people": 60 if quick else 300,
            "rate": 30.0,
            "duration": 2.0 if quick else 15.0,
            "warmup": 2.0 if quick else 12.0,
            "latency": latency,
        }
        for kind, latency in steady
    ]
    # The default database for the bulk sends and the reports; PostgreSQL too with --all.
    bulk_kinds = kinds if (args.all or quick) else ["sqlite"]
    runs += [
        {
            "part": "monday",
            "kind": kind,
            "groups": 10 if quick else 1000,
            "coordinators": 2 if quick else 50,
        }
        for kind in bulk_kinds
    ]
    runs += [
        {"part": "programme", "kind": kind, "groups": 10 if quick else 1000} for kind in bulk_kinds
    ]
    return runs


async def child(run: dict[str, Any], workdir: Path) -> dict[str, Any]:
    from benchmarks import cost, headroom, idle, production, programme
    from locales import compile_catalogs
    from models import crypto

    compile_catalogs()
    key = crypto.generate_key()
    crypto.configure([key])
    part = run["part"]
    if part == "idle":
        return await idle.run(run["kind"], run["groups"], run["idle"], workdir, key)
    if part == "cost":
        return await cost.run(run["language"], workdir, key)
    if part == "headroom":
        return await headroom.run(
            run["kind"], run["users"], workdir, key, full_weeks=run["full_weeks"]
        )
    if part == "steady":
        return await production.steady_rate(
            run["kind"],
            run["people"],
            run["rate"],
            run["duration"],
            workdir,
            key,
            latency=run["latency"],
            warmup=run["warmup"],
        )
    if part == "monday":
        return await production.monday_burst(
            run["kind"], run["groups"], run["coordinators"], workdir, key
        )
    if part == "programme":
        return await programme.run(run["kind"], run["groups"], workdir, key)
    raise ValueError(part)


def run_child(run: dict[str, Any], workdir: Path, timeout: float) -> dict[str, Any]:
    out = workdir / f"result-{time.monotonic_ns()}.json"
    env = {**os.environ, "PTB_TIMEDELTA": "true", "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "benchmarks", "--child", json.dumps(run), "--out", str(out)]
    started = time.monotonic()
    # A session of its own: on a timeout, the child and the bot it started end together.
    child = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        code = child.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        return {"failed": f"no result within {timeout / 60:.0f} minutes", "run": run}
    if code != 0 or not out.exists():
        return {"failed": f"exit code {code}", "run": run}
    result: dict[str, Any] = json.loads(out.read_text())
    result["wall_s"] = time.monotonic() - started
    return result


# --- the table --------------------------------------------------------------------------------


def fmt_ms(value: float | None) -> str:
    if value is None or value != value:
        return "-"
    return f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


def fmt_s(value: float | None) -> str:
    if value is None or value != value:
        return "-"
    return f"{value:.2f} s" if value < 10 else f"{value:.0f} s"


def mark(ok: bool | None) -> str:
    return "" if ok is None else ("✓" if ok else "✗")


def table(results: list[dict[str, Any]], args: argparse.Namespace) -> list[str]:
    lines = ["| # | measure | result | target | |", "|---|---|---|---|---|"]

    def row(
        number: str, measure: str, value: str, target: str = "", ok: bool | None = None
    ) -> None:
        lines.append(f"| {number} | {measure} | {value} | {target} | {mark(ok)} |")

    def failed(number: str, name: str, result: dict[str, Any]) -> None:
        row(number, name, f"failed: {result['failed']}", "", False)

    by: dict[str, dict[str, dict[str, Any]]] = {
        "headroom": {},
        "monday": {},
        "programme": {},
        "cost": {},
        "idle": {},
    }
    steady_results = []
    for result in results:
        run = result.get("run") or result.get("_run", {})
        result["_run"] = run
        if run["part"] == "steady":
            steady_results.append(result)
        else:
            by[run["part"]][run.get("kind") or run.get("language")] = result

    bare = by["headroom"].get("bare", {})
    for kind, result in by["headroom"].items():
        name = NAMES[kind]
        users = result.get("users", "?")
        if "failed" in result:
            failed("1", f"headroom, {name}", result)
            continue
        latency = result["latency"]
        value = (
            f"{result['updates_per_s']:.0f} updates/s; p50 {fmt_ms(latency['p50_ms'])}, "
            f"p95 {fmt_ms(latency['p95_ms'])}, p99 {fmt_ms(latency['p99_ms'])}; "
            f"peak {result['peak_mb']:.0f} MB; "
            f"{result['cpu_ms_per_update']:.1f} ms CPU/update"
        )
        if result["stuck"] or result["refusals"] or result["bot_errors"]:
            value += (
                f"; {result['stuck']} stuck, {result['refusals']} refused, "
                f"{result['bot_errors']} errors"
            )
        if kind == "bare" or "failed" in bare:
            row("1", f"{users} people at once, {name}", value)
        else:
            ratio = result["updates_per_s"] / bare["updates_per_s"]
            row(
                "1",
                f"{users} people at once, {name}: throughput / bare bot's",
                f"**{ratio:.2f}** ({value})",
                "≥ 0.7",
                ratio >= 0.7,
            )
    for result in steady_results:
        kind = result["_run"]["kind"]
        away = result["_run"].get("latency", 0.0)
        where = f", Telegram {away * 1000:.0f} ms away" if away else ""
        if "failed" in result:
            failed("2", f"30 updates/s, {kind}{where}", result)
            continue
        latency = result["latency"]
        value = (
            f"p99 **{fmt_ms(latency['p99_ms'])}** (p50 {fmt_ms(latency['p50_ms'])}); "
            f"{result['achieved_per_s']:.1f} answered/s; 429s absorbed: "
            f"{result['throttled_429']}; {result.get('cpu_ms_per_update', 0):.1f} ms CPU/update; "
            f"log: {result['log_update_lines'] / max(result['answered'], 1):.2f} lines/update, "
            f"{result['log_other_lines_per_hour']:.0f} other lines/hour"
        )
        if away:
            # Telegram's answer to getUpdates, then the edit: two network legs at the least.
            value += f"; {2 * away * 1000:.0f} ms of it is the network's"
        row(
            "2",
            f"update to answer at {result['rate']:.0f} updates/s, limits on, {kind}{where}",
            value,
            "" if away else "p99 < 100 ms",
            None if away else latency["p99_ms"] < 100,
        )
    for kind, result in by["monday"].items():
        if "failed" in result:
            failed("2", f"Monday, {kind}", result)
            continue
        lost = result["expected"] - result["delivered"]
        digests = "" if result["digests_rendered"] else " (no digest renderer: reminders only)"
        value = (
            f"{result['delivered']}/{result['expected']} in **{fmt_s(result['total_s'])}** "
            f"(minimum {fmt_s(result['minimum_s'])}: {result['efficiency']:.0%}); "
            f"sweep {fmt_s(result['sweep_s'])}; lost {lost}, repeated {result['repeats']}, "
            f"429 past the limiter {result['rows_retried']}{digests}; meanwhile a reader's p99 "
            f"{fmt_ms(result['light_latency']['p99_ms'])}"
        )
        ok = (
            lost == 0
            and result["repeats"] == 0
            and result["rows_retried"] == 0
            and result["efficiency"] >= 0.8
        )
        row(
            "2",
            f"Monday: reminders for {result['facilitators']} facilitators, digests for "
            f"{result['coordinators']} coordinators, {kind}",
            value,
            "near the minimum, nothing lost",
            ok,
        )
    for kind, result in by["programme"].items():
        if "failed" in result:
            failed("3", f"programme, {kind}", result)
            continue
        for label, view in result["views"].items():
            parts = []
            slowest = 0.0
            for name in ("/groups", "/report", "xlsx"):
                if name in view:
                    slowest = max(slowest, view[name]["s"])
                    parts.append(f"{name.lstrip('/')} {fmt_s(view[name]['s'])}")
            peak = max(v["peak_mb"] for k, v in view.items() if isinstance(v, dict))
            target = "< 2 s" if label != "everything" else ""
            row(
                "3",
                f"{result['groups']} groups × 15 weeks, {kind}: {label} ({view['groups']} groups)",
                "; ".join(parts) + f"; bot at most {peak:.0f} MB",
                target,
                (slowest < 2) if target else None,
            )
        reader = result["reader_latency"]
        row(
            "3",
            f"meanwhile, someone reading a guide, {kind}",
            f"waits up to {fmt_ms(reader['max_ms'])} (p50 {fmt_ms(reader['p50_ms'])})",
        )
    for lang, result in by["cost"].items():
        if "failed" in result:
            failed("4", f"cost, {lang}", result)
            continue
        parts = ", ".join(
            f"{k} {v / 1024:.1f}" for k, v in result["bytes"].items() if k != "agreement"
        )
        row(
            "4",
            f"bytes to a facilitator for a week ({lang}): reminder, guide, record, reflection",
            f"**{result['week_bytes'] / 1024:.1f} KB** ({parts} KB)",
            "< 50 KB",
            result["week_bytes"] < 50 * 1024,
        )
        if result["agreement"]:
            row(
                "4",
                f"an agreement, when there is one ({lang})",
                f"{result['bytes']['agreement'] / 1024:.1f} KB, "
                f"{result['steps']['agreement']} steps",
            )
    for result in by["cost"].values():
        if "failed" not in result:
            taps = result["record_steps"] - 1
            row(
                "4",
                "taps to record 12 participants with 2 absent",
                f"/session, then **{taps} taps** ({result['absent_saved']} absent saved)",
                "≤ 5 steps",
                result["record_steps"] <= 5 and result["absent_saved"] == 2,
            )
            break
    for result in by["idle"].values():
        if "failed" in result:
            failed("5", "idle", result)
            continue
        row(
            "5",
            f"`bot.py run` with {result['groups']} groups in the database: start-up",
            f"{fmt_s(result['startup_s'])} to the first getUpdates",
        )
        row(
            "5",
            f"idle for {result['idle_s']:.0f} s: resident memory",
            f"**{result['idle_rss_mb']:.0f} MB**",
            "< 150 MB",
            result["idle_rss_mb"] < 150,
        )
    return lines


def builder_line(results: list[dict[str, Any]]) -> str:
    """The builder settings of the bots measured: the bare bot's must equal ours."""
    seen = {
        r["_run"]["kind"]: r["builder"]
        for r in results
        if r.get("_run", {}).get("part") == "headroom" and "builder" in r
    }
    if not seen:
        return ""
    first = next(iter(seen.values()))
    same = all(b == first for b in seen.values())
    described = ", ".join(f"{k}: {v}" for k, v in first.items())
    verdict = "identical for the bare bot and ours" if same else f"DIFFERENT: {seen}"
    return f"Builder settings ({verdict}): {described}."


def machine_line(info: dict[str, str], load: tuple[float, float], wall: float) -> str:
    return (
        f"Machine: {info['cpus']} × {info['cpu']}, {info['memory']}, {info['system']}; "
        f"Python {info['python']}; {info['date']}. Load average {load[0]:.1f} before, "
        f"{load[1]:.1f} after; the whole run took {wall / 60:.1f} minutes."
    )


def command_line(argv: list[str]) -> str:
    """The command as typed, without the options that only say where the results are written."""
    shown: list[str] = []
    rest = list(argv)
    while rest:
        arg = rest.pop(0)
        if arg in ("--json", "--readme"):
            # --json takes a file; --readme may take a block name.
            if rest and (arg == "--json" or not rest[0].startswith("--")):
                rest.pop(0)
        elif not arg.startswith(("--json=", "--readme=")):
            shown.append(arg)
    return " ".join(["python3 -m benchmarks", *shown])


def write_readme(block: str, readme: Path = ROOT / "README.md", name: str = "results") -> bool:
    """Puts the block between the named markers of the Performance section; False without."""
    start, end = MARK_START.format(name=name), MARK_END.format(name=name)
    text = readme.read_text()
    if start not in text or end not in text:
        return False
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    readme.write_text(f"{head}{start}\n{block}\n{end}{tail}")
    return True


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python3 -m benchmarks", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="small sizes: checks that it all works")
    p.add_argument("--users", type=int, help=f"people at once in part 1 (default {DEFAULT_USERS})")
    p.add_argument(
        "--full-weeks",
        action="store_true",
        help="headroom: each person does the whole week (default: a third of the week each)",
    )
    p.add_argument("--no-postgres", action="store_true", help="SQLite only")
    p.add_argument(
        "--all", action="store_true", help="the Monday and programme parts on PostgreSQL too"
    )
    p.add_argument("--only", help="comma-separated: idle,cost,headroom,steady,monday,programme")
    p.add_argument(
        "--readme",
        nargs="?",
        const="results",
        metavar="BLOCK",
        help="write the table into README.md, between its markers (default block: results)",
    )
    p.add_argument("--json", type=Path, help="also write every figure to this file")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.child:
        import asyncio

        run = json.loads(args.child)
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            result = asyncio.run(child(run, Path(tmp)))
        result["_run"] = run
        args.out.write_text(json.dumps(result, default=str))
        return 0

    ensure_environment()
    import asyncio

    from benchmarks.common import machine, pg_available

    postgres = False
    if not args.no_postgres:
        problem = asyncio.run(pg_available())
        postgres = problem is None
        if problem:
            print(f"PostgreSQL not measured: {problem}", flush=True)
    runs = plan(args, postgres)
    if args.only:
        wanted = set(args.only.split(","))
        runs = [r for r in runs if r["part"] in wanted]
    info = machine()
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        for n, run in enumerate(runs, 1):
            label = " ".join(f"{k}={v}" for k, v in run.items())
            print(f"[{n}/{len(runs)}] {label}", flush=True)
            result = run_child(run, Path(tmp), QUICK_CHILD_TIMEOUT if args.quick else CHILD_TIMEOUT)
            result.setdefault("_run", run)
            result["run"] = run
            if "failed" in result:
                print(f"    failed: {result['failed']}", flush=True)
            results.append(result)
    wall = time.monotonic() - started
    lines = table(results, args)
    block = "\n".join(
        [
            f"Command: `{command_line(argv)}`",
            "",
            *lines,
            "",
            builder_line(results),
            "",
            machine_line(info, (load_before, os.getloadavg()[0]), wall),
        ]
    )
    print()
    print(block)
    if args.json:
        figures = {"machine": info, "results": results}
        args.json.write_text(json.dumps(figures, indent=1, default=str))
    if args.readme and not write_readme(block, name=args.readme):
        marks = f"{MARK_START.format(name=args.readme)} … {MARK_END.format(name=args.readme)}"
        print(f"README.md has no {marks} block to fill", file=sys.stderr)
        return 1
    return 1 if any("failed" in r for r in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
