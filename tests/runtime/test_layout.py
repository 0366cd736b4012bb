"""The house's rules, read from the source: where SQL may be, how long a module may grow, who may
import whom. Each rule names the files that break it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPLICATION = ("bot.py", "cli", "content", "conversations", "exports", "locales", "models")
MAX_LINES = 350
# Calls that reach the database, on a database session (whatever the variable is called).
DATABASE_CALLS = {"execute", "scalar", "scalars", "get", "add", "add_all", "delete", "flush"}
SQL_BUILDERS = {"select", "insert", "update", "delete", "text", "func", "and_", "or_"}
# The machinery and the shared rooms that every flow may use.
SHARED = {"runtime", "vocabulary", "widgets", "routes", "app"}


def python_files(*roots: str) -> Iterator[Path]:
    for root in roots:
        path = ROOT / root
        yield from [path] if path.is_file() else sorted(path.rglob("*.py"))


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_no_application_module_is_over_the_limit() -> None:
    long = {
        relative(p): n
        for p in python_files(*APPLICATION)
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}, f"modules over {MAX_LINES} lines: split them by topic"


def _sql_in(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            names = {a.name for a in node.names}
            # Types and errors are not queries: a handler may name AsyncSession or catch errors.
            allowed = node.module == "sqlalchemy.exc" or (
                node.module == "sqlalchemy.ext.asyncio" and names <= {"AsyncSession"}
            )
            if not allowed:
                found.append(f"line {node.lineno}: from {node.module} import {sorted(names)}")
        elif isinstance(node, ast.Import) and any(
            a.name.startswith("sqlalchemy") for a in node.names
        ):
            found.append(f"line {node.lineno}: import sqlalchemy")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = ast.unparse(node.func.value)
            on_session = owner.endswith("session") or owner.endswith("db")
            if (node.func.attr in DATABASE_CALLS and on_session) or owner == "func":
                found.append(f"line {node.lineno}: {owner}.{node.func.attr}(...)")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in SQL_BUILDERS:
                found.append(f"line {node.lineno}: {node.func.id}(...)")
    return found


def test_conversations_hold_no_sql() -> None:
    """Handlers call domain functions in models/; the domain owns every row it reads or changes."""
    offenders = {
        relative(path): found
        for path in python_files("conversations")
        if (found := _sql_in(ast.parse(path.read_text())))
    }
    assert offenders == {}, "SQL or ORM queries in conversations/: move them into models/"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_models_never_import_telegram() -> None:
    offenders = [
        relative(p)
        for p in python_files("models")
        if any(n == "telegram" or n.startswith("telegram.") for n in _imports(p))
    ]
    assert offenders == []


def _flow_of(path: Path) -> str | None:
    parts = path.relative_to(ROOT / "conversations").parts
    name = parts[0].removesuffix(".py")
    return None if name in SHARED or name == "__init__" else name


def test_flows_do_not_import_each_other() -> None:
    """What two flows share lives in the vocabulary, the widgets or the domain."""
    flows = {f for p in python_files("conversations") if (f := _flow_of(p))}
    offenders = {}
    for path in python_files("conversations"):
        own = _flow_of(path)
        if own is None:
            continue
        others = {
            name
            for name in _imports(path)
            for flow in flows - {own}
            if name == f"conversations.{flow}" or name.startswith(f"conversations.{flow}.")
        }
        if others:
            offenders[relative(path)] = sorted(others)
    assert offenders == {}


def test_the_machinery_knows_no_flow() -> None:
    flows = {f for p in python_files("conversations") if (f := _flow_of(p))}
    offenders = {}
    for path in python_files("conversations/runtime"):
        used = sorted(n for n in _imports(path) if _names_flow(n, flows))
        if used:
            offenders[relative(path)] = used
    assert offenders == {}


def _names_flow(name: str, flows: set[str]) -> bool:
    parts = name.split(".")
    return len(parts) > 1 and parts[0] == "conversations" and parts[1] in flows
