"""Interface translations (gettext catalogs compiled by Babel) and per-language Jinja2 environments.

Each language gets its own Jinja2 environment: handlers and jobs for users of different languages
run side by side, and translations installed on a shared environment would leak between them.
"""

from __future__ import annotations

import datetime as dt
import gettext
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date as _format_date
from babel.dates import format_time as _format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

LOCALES_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = LOCALES_DIR.parent / "content" / "templates"
LANGUAGES = ("rn", "fr", "en")
DOMAIN = "messages"
# Babel's locale ids; CLDR knows Ikirundi as "rn".
BABEL_LOCALES = {"rn": "rn", "fr": "fr", "en": "en"}


def compile_catalogs(force: bool = False) -> list[Path]:
    """Compiles each .po to .mo when the .mo is missing or older; returns what was written."""
    written = []
    for lang in LANGUAGES:
        po_path = LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        mo_path = po_path.with_suffix(".mo")
        if not po_path.exists():
            continue
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=BABEL_LOCALES[lang])
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        written.append(mo_path)
    cached_translations.cache_clear()
    translator.cache_clear()
    jinja_env.cache_clear()
    return written


@cache
def cached_translations(lang: str) -> gettext.NullTranslations:
    try:
        return gettext.translation(DOMAIN, localedir=LOCALES_DIR, languages=[lang])
    except FileNotFoundError:
        return gettext.NullTranslations()


class Translator:
    """One user's language: gettext with contexts, and Babel formatting of dates."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else "rn"
        self._t = cached_translations(self.lang)

    def pgettext(self, context: str, message: str) -> str:
        return self._t.pgettext(context, message)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        return self._t.npgettext(context, singular, plural, n)

    def date(self, value: dt.date) -> str:
        # Long format: CLDR's abbreviated Kirundi months are wrong (Kinyarwanda-style).
        return _format_date(value, format="d MMMM y", locale=BABEL_LOCALES[self.lang])

    def weekday_date(self, value: dt.date) -> str:
        return _format_date(value, format="full", locale=BABEL_LOCALES[self.lang])

    def time(self, value: Any) -> str:
        return _format_time(value, format="HH:mm", locale=BABEL_LOCALES[self.lang])

    def local(self, value: dt.datetime, tz: str) -> dt.datetime:
        return value.astimezone(ZoneInfo(tz))

    def render(self, template: str, **values: Any) -> str:
        return jinja_env(self.lang).get_template(template).render(tr=self, **values).strip()


# French puts a space before : ; ? ! (the catalog writes "Période : {period}"). A template that
# puts a colon after a translated label ("{{ pgettext(...) }}: {{ value }}") gets it in French
# from the loader below, in its own text only: what people typed is shown as they typed it.
# A colon in a time (14:30) or a URL, and an HTML entity (&amp;), are left alone.
_FRENCH_PUNCTUATION = re.compile(r"(&#?\w+;)|(?<=[^\s\u00a0\u202f:;?!])([:;?!])(?=[\s<]|$)")
_TAGS = re.compile(r"({{.*?}}|{%.*?%}|{#.*?#})", re.DOTALL)


def french_spacing(text: str) -> str:
    return _FRENCH_PUNCTUATION.sub(lambda m: m.group(1) or " " + m.group(2), text)


class _FrenchLoader(FileSystemLoader):
    """Templates with French spacing in their text between the tags."""

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        pieces = _TAGS.split(source)
        for i in range(0, len(pieces), 2):  # the text; odd pieces are tags
            # Right after a tag, the text's first mark follows what the tag prints.
            pieces[i] = french_spacing("x" + pieces[i])[1:] if i else french_spacing(pieces[i])
        return "".join(pieces), filename, uptodate


@cache
def translator(lang: str) -> Translator:
    return Translator(lang)


@cache
def jinja_env(lang: str) -> Environment:
    env = Environment(
        loader=(_FrenchLoader if lang == "fr" else FileSystemLoader)(TEMPLATES_DIR),
        extensions=["jinja2.ext.i18n"],
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.install_gettext_translations(cached_translations(lang), newstyle=True)  # type: ignore[attr-defined]
    return env
