"""What the review buttons and the pending step carry.

Callback data:
  rv:<lang>                       the language's review menu: what is due
  ri:<lang>:<n>                   item n of the language's review list (content/review.py)
  rj:<verdict>:<lang>:<n>:<v>     a verdict on item n as it read when shown: a approve,
                                  s suggest a correction (typed next), d for discussion;
                                  v is a short hash of the item's two versions, so a verdict on
                                  a text that has changed since is refused

Pending step: SUGGESTION while the correction is typed, with {"lang", "n", "v"} in ref.
"""

from __future__ import annotations

import hashlib
import json

from content.review import ReviewItem
from conversations.runtime.callbacks import BadCallback, int_part, pack, unpack
from conversations.runtime.state import UserData
from models.reviews import Verdict

SUGGESTION = "review.suggestion"
VERDICTS = {"a": Verdict.APPROVED, "s": Verdict.SUGGESTION, "d": Verdict.DISCUSS}
_LETTERS = {verdict: letter for letter, verdict in VERDICTS.items()}


def seen(item: ReviewItem) -> str:
    """A short hash of the versions a reviewer is shown."""
    return hashlib.sha256(f"{item.source_version}:{item.version}".encode()).hexdigest()[:8]


def menu(lang: str) -> str:
    return pack("rv", lang)


def item(lang: str, number: int) -> str:
    return pack("ri", lang, number)


def verdict(kind: Verdict, lang: str, number: int, shown: ReviewItem) -> str:
    return pack("rj", _LETTERS[kind], lang, number, seen(shown))


def read_menu(data: str | None) -> str:
    (lang,) = unpack(data, "rv", 1)
    return lang


def read_item(data: str | None) -> tuple[str, int]:
    lang, number = unpack(data, "ri", 2)
    return lang, int_part(number)


def read_verdict(data: str | None) -> tuple[Verdict, str, int, str]:
    letter, lang, number, version = unpack(data, "rj", 4)
    if letter not in VERDICTS:
        raise BadCallback(data)
    return VERDICTS[letter], lang, int_part(number), version


def remember(state: UserData, lang: str, number: int, version: str) -> None:
    state.expect(SUGGESTION, json.dumps({"lang": lang, "n": number, "v": version}))


def pending(state: UserData) -> tuple[str, int, str] | None:
    try:
        data = json.loads(state.ref) if state.ref else None
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    lang, number, version = data.get("lang"), data.get("n"), data.get("v")
    if isinstance(lang, str) and isinstance(number, int) and isinstance(version, str):
        return lang, number, version
    return None
