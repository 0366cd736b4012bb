"""Fault tests' tools: kill the bot at a chosen Bot API call, and people who finish what they
started however the bot answers (or does not).

A `Person` acts the way someone with a phone does: they look at the bot's most recent message,
tap the button that moves them on or type what is asked, and when nothing comes back they do it
again; a button answered "no longer valid" is not tapped again. A flow is a goal ("record this
week's meeting") written as rules from the screen to the next action, so the same rules drive
a run without faults, and a run interrupted at any point and taken up again after a restart.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import traceback
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.support.process import ROOT, BotProcess
from tests.support.tgserver import BotMessage, TelegramTestServer, TestUser

# How long an answer may take before a person decides nothing came (a loaded CI machine).
PATIENCE = 10.0


# --- what the run found, for the summary at the end of the test session ----------------------


def report(request: pytest.FixtureRequest, section: str, line: str) -> None:
    """Adds a line to the summary printed at the end of the run (tests/conftest.py)."""
    request.node.user_properties.append(("trust", f"{section}: {line}"))


def report_kill(
    request: pytest.FixtureRequest,
    flow: str,
    n: int,
    mode: str,
    method: str,
    found: str,
    popups: int,
) -> None:
    """Records one kill point; `kill_point_lines` sums them up per flow."""
    request.node.user_properties.append(("kill point", (flow, n, mode, method, found, popups)))


def kill_point_lines(stats: dict[str, list[Any]]) -> list[str]:
    """One line per flow: where the bot was killed, how, and what was found afterwards."""
    flows: dict[str, dict[tuple[int, str], tuple[str, str, int]]] = {}
    for reports in stats.values():
        for test in reports:
            for name, value in getattr(test, "user_properties", ()):
                if name == "kill point":
                    flow, n, mode, method, found, popups = value
                    flows.setdefault(flow, {})[(n, mode)] = (method, found, popups)
    lines = []
    for flow, points in flows.items():
        modes = Counter(mode for _, mode in points)
        methods = Counter(method for method, _, _ in points.values())
        found = Counter(result for _, result, _ in points.values())
        popups = sum(count for _, _, count in points.values())
        lines.append(
            f"kill points: {flow}, SIGKILL at calls {spans(n for n, _ in points)}: "
            f"{modes['dropped']} with the call dropped, {modes['answered']} with it carried "
            f"out ({', '.join(f'{m} {c}' for m, c in sorted(methods.items()))}); the person "
            f"finished every time, every action answered ({popups} by a pop-up only); then: "
            + "; ".join(f"{result} ({count})" for result, count in sorted(found.items()))
        )
    return lines


# --- killing the bot at the Nth call ------------------------------------------------------------


# Calls that may still be in flight when the bot dies: the outbox's senders work side by side.
IN_FLIGHT = 3


@dataclass
class KillSwitch:
    """Counts the bot's Bot API calls and SIGKILLs the process when the Nth one arrives.

    `answered=False`: the call is dropped unanswered (it never reached Telegram).
    `answered=True`: Telegram carries it out, but the bot is dead before it reads the answer.
    Either way the bot never learns the call's result.
    """

    tg: TelegramTestServer
    process: BotProcess
    at: int | None = None
    answered: bool = False
    count: int = 0
    calls: list[str] = field(default_factory=list)
    # Chats Telegram delivered a message to in the last calls before the kill: with several chats
    # sent to side by side, such a send may have been carried out without the bot noting it yet.
    delivered: deque[str] = field(default_factory=lambda: deque(maxlen=IN_FLIGHT))
    killed: tuple[str, dict[str, Any]] | None = None
    fired: asyncio.Event = field(default_factory=asyncio.Event)

    def arm(self, at: int | None, *, answered: bool = False) -> None:
        """Counts from now; `at=None` only counts."""
        self.at, self.answered, self.count, self.calls = at, answered, 0, []
        self.delivered.clear()
        self.killed = None
        self.fired.clear()
        self.tg.on_call = self._on_call

    def disarm(self) -> None:
        self.tg.on_call = None

    def _on_call(self, method: str, params: dict[str, Any]) -> bool:
        self.count += 1
        self.calls.append(method)
        if self.count != self.at:
            self.delivered.append(str(params.get("chat_id")) if method == "sendMessage" else "")
            return False
        self.process.kill_now()
        self.killed = (method, params)
        self.disarm()
        self.fired.set()
        return not self.answered


# --- people --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Send:
    text: str

    def __str__(self) -> str:
        return f"send {self.text[:30]!r}"


@dataclass(frozen=True)
class Tap:
    message: BotMessage
    label: str

    def __str__(self) -> str:
        return f"tap {self.label!r} on message {self.message.message_id}"


Action = Send | Tap


@dataclass
class Outcome:
    """What a person saw after acting: messages sent or edited, or only a pop-up, or nothing."""

    changed: int = 0
    toast: str | None = None

    @property
    def silent(self) -> bool:
        return not self.changed and not self.toast

    def __str__(self) -> str:
        if self.silent:
            return "nothing"
        popup = f", pop-up {self.toast!r}" if self.toast else ""
        return f"{self.changed} message(s){popup}"


class Person:
    """A user of the test server as a person: reads the latest screen, acts, waits for an answer."""

    def __init__(self, tg: TelegramTestServer, user: TestUser, name: str = "") -> None:
        self.tg = tg
        self.user = user
        self.name = name or str(user.id)
        self._events: list[BotMessage] = []
        # message id -> its edit count when a tap on it was answered "no longer valid"
        self._dead: dict[int, int] = {}
        self.toasts: list[str] = []
        self.transcript: list[str] = []

    def absorb(self) -> int:
        events = self.user.drain()
        self._events.extend(events)
        return len(events)

    def screens(self) -> list[BotMessage]:
        """The bot's messages still in the chat, the most recently sent or edited first."""
        self.absorb()
        ordered: list[BotMessage] = []
        ids: set[int] = set()
        for message in reversed(self._events):
            if message.message_id in ids or message.deleted:
                continue
            ids.add(message.message_id)
            if self._dead.get(message.message_id) == message.edited:
                continue
            ordered.append(message)
        return ordered

    @property
    def latest(self) -> BotMessage | None:
        screens = self.screens()
        return screens[0] if screens else None

    def received(self, predicate: Callable[[BotMessage], bool]) -> list[BotMessage]:
        """Every bot message in the chat (deleted ones too) that matches."""
        return [m for m in self.user.all_bot_messages if predicate(m)]

    async def do(self, action: Action, patience: float = PATIENCE) -> Outcome:
        self.absorb()
        query: str | None = None
        if isinstance(action, Send):
            await self.user.send(action.text)
        else:
            query = await self.user.tap(action.message, action.label)
        # The answer is complete once the bot has handled the update: it then confirms it to
        # Telegram with its next poll (conversations/app.py, ConfirmWhenHandled).
        loop = asyncio.get_running_loop()
        deadline = loop.time() + patience
        outcome = Outcome()
        while loop.time() < deadline:
            answer = self.user.callback_answers.get(query) if query else None
            answered = self.user.pending_events or (answer is not None and answer.text)
            if answered and not self.tg.pending_updates:
                outcome.changed = self.absorb()
                outcome.toast = answer.text if answer is not None else None
                if outcome.toast:
                    self.toasts.append(outcome.toast)
                if not outcome.changed and isinstance(action, Tap):
                    # Only a pop-up: this button will not help again.
                    current = action.message
                    self._dead[current.message_id] = current.edited
                break
            await asyncio.sleep(0.01)
        self.transcript.append(f"{action} -> {outcome}")
        return outcome


def find(screens: Iterable[BotMessage], text: str = "", label: str = "") -> BotMessage | None:
    """The most recent screen containing `text` and a button whose label contains `label`."""
    for message in screens:
        if text and text not in message.plain:
            continue
        if label and not any(label in candidate for candidate in message.labels):
            continue
        return message
    return None


class Stuck(AssertionError):
    """The person cannot see how to go on: the bot left them without a way forward."""


Rules = Callable[[], "Action | None"]


async def drive(person: Person, rules: Rules, *, steps: int = 40, silent_ok: bool = False) -> None:
    """Acts on the rules until they say the goal is reached (None).

    Every action must be answered (a message, an edit, or a pop-up with text) unless
    `silent_ok` (the bot is about to be killed, so an answer may never come).
    """
    for _ in range(steps):
        action = rules()
        if action is None:
            return
        outcome = await person.do(action)
        if outcome.silent and not silent_ok:
            raise Stuck(
                f"{person.name}: no answer to {action}\n" + "\n".join(person.transcript[-12:])
            )
    raise Stuck(f"{person.name}: not done after {steps} actions\n" + "\n".join(person.transcript))


async def until_killed(switch: KillSwitch, work: Awaitable[None]) -> bool:
    """Runs `work` until it ends or the switch fires; True if the bot was killed."""
    task = asyncio.ensure_future(work)
    fired = asyncio.ensure_future(switch.fired.wait())
    try:
        await asyncio.wait({task, fired}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        fired.cancel()
    if switch.fired.is_set():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Stuck):
            await task
        return True
    task.result()
    # The call may be one the bot makes by itself afterwards (an alert, a deletion).
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(switch.fired.wait(), PATIENCE)
    return switch.fired.is_set()


async def handled(tg: TelegramTestServer) -> None:
    """Waits until the bot has handled every update sent so far (it confirms them once handled,
    conversations/app.py)."""
    for _ in range(int(PATIENCE / 0.01)):
        if not tg.pending_updates:
            return
        await asyncio.sleep(0.01)


async def quiet(tg: TelegramTestServer, people: Iterable[Person], seconds: float = 0.3) -> None:
    """Waits until the bot has taken every update and sent nothing to these people for a while."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PATIENCE
    last_change = loop.time()
    everyone = list(people)
    while loop.time() < deadline:
        if any(p.absorb() for p in everyone) or tg.pending_updates:
            last_change = loop.time()
        elif loop.time() - last_change >= seconds:
            return
        await asyncio.sleep(0.05)


def spans(numbers: Iterable[int]) -> str:
    """1,2,3,5,6 -> "1..3, 5..6"."""
    ordered = sorted(set(numbers))
    parts: list[str] = []
    for start, end in _runs(ordered):
        parts.append(str(start) if start == end else f"{start}..{end}")
    return ", ".join(parts)


def _runs(ordered: list[int]) -> Iterator[tuple[int, int]]:
    if not ordered:
        return
    start = previous = ordered[0]
    for number in ordered[1:]:
        if number != previous + 1:
            yield start, previous
            start = number
        previous = number
    yield start, previous


# --- the bot as a real process, started in a fraction of a second -------------------------------
# Kill points start the bot twice per point; importing it takes seconds. A fork server imports
# it once, then forks a process per start that runs `bot.py run` (same code, same settings from
# the environment, its own log); SIGKILL kills it like any other process.


class ForkServer:
    """One per test worker, started on first use; talks JSON lines over pipes."""

    _instance: ForkServer | None = None

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.chaos"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "BOT_SYSTEM_PYTHON": "1"},
        )
        assert self.proc.stdout is not None
        os.set_blocking(self.proc.stdout.fileno(), False)
        self._buffer = b""
        self.exits: dict[int, int] = {}
        self._pids: list[int] = []
        atexit.register(self.close)

    def close(self) -> None:
        """Closing its input ends the fork server and the bots it still runs."""
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            self.proc.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(5)

    @classmethod
    def get(cls) -> ForkServer:
        if cls._instance is None or cls._instance.proc.poll() is not None:
            cls._instance = ForkServer()
        return cls._instance

    def poll(self) -> None:
        assert self.proc.stdout is not None
        with contextlib.suppress(BlockingIOError):
            while chunk := os.read(self.proc.stdout.fileno(), 65536):
                self._buffer += chunk
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            message = json.loads(line)
            if "pid" in message:
                self._pids.append(message["pid"])
            else:
                self.exits[message["exit"]] = message["code"]
        if self.proc.poll() is not None:
            raise RuntimeError(f"the fork server ended with {self.proc.returncode}")

    async def fork(self, env: dict[str, str], log: str) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"env": env, "log": log}).encode() + b"\n")
        self.proc.stdin.flush()
        for _ in range(1500):
            self.poll()
            if self._pids:
                return self._pids.pop(0)
            await asyncio.sleep(0.01)
        raise RuntimeError("the fork server did not answer")

    async def wait(self, pid: int) -> int:
        while pid not in self.exits:
            self.poll()
            await asyncio.sleep(0.01)
        return self.exits.pop(pid)


class ForkedBot(BotProcess):
    """`BotProcess` with its process forked from the fork server."""

    pid: int | None = None
    returncode: int | None = None

    async def start(self, ready_call: str = "getUpdates") -> None:
        polls_before = len(self.tg.calls_to(ready_call))
        self.returncode = None
        server = ForkServer.get()
        self.pid = await server.fork(self.env, str(self.log_path))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while len(self.tg.calls_to(ready_call)) <= polls_before:
            server.poll()
            if loop.time() > deadline or self.pid in server.exits:
                raise AssertionError(f"the bot did not start:\n{self.log()}")
            await asyncio.sleep(0.01)

    def kill_now(self) -> None:
        assert self.pid is not None
        os.kill(self.pid, signal.SIGKILL)

    async def reap(self) -> None:
        assert self.pid is not None
        self.returncode = await ForkServer.get().wait(self.pid)

    @property
    def alive(self) -> bool:
        if self.pid is None or self.returncode is not None:
            return False
        server = ForkServer.get()
        server.poll()
        if self.pid in server.exits:
            self.returncode = server.exits.pop(self.pid)
        return self.returncode is None

    async def stop(self) -> None:
        if not self.alive:
            return
        assert self.pid is not None
        os.kill(self.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(self.reap(), 15)
        except TimeoutError:
            self.kill_now()
            await self.reap()


def _serve() -> None:
    """The fork server's side: import the bot once, fork a bot process per request."""
    import tempfile
    import threading

    import bot
    from cli import operator  # noqa: F401 - imported once for every child
    from content.guides import default_library
    from conversations import app  # noqa: F401 - imported once for every child
    from locales import compile_catalogs
    from models import migrate

    compile_catalogs()
    default_library()
    with tempfile.TemporaryDirectory() as scratch:  # loads what migrating at start needs
        migrate.upgrade(f"sqlite+aiosqlite:///{scratch}/warm.sqlite3")
    assert threading.active_count() == 1, "forking needs a process without other threads"
    children: set[int] = set()
    pending = b""

    def say(message: dict[str, int]) -> None:
        os.write(1, json.dumps(message).encode() + b"\n")

    while True:
        ready, _, _ = select.select([0], [], [], 0.02)
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            children.discard(pid)
            say({"exit": pid, "code": os.waitstatus_to_exitcode(status)})
        if not ready:
            continue
        chunk = os.read(0, 65536)
        if not chunk:  # the test worker is gone: so are its bots
            for pid in children:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            return
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            request = json.loads(line)
            pid = os.fork()
            if pid == 0:
                _child(bot, request)
            children.add(pid)
            say({"pid": pid})


def _child(bot: Any, request: dict[str, Any]) -> None:
    code = 1
    try:
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        os.environ.clear()
        os.environ.update(request["env"])
        code = bot.main(["run"])
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(code)


if __name__ == "__main__":
    _serve()
