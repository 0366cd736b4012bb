"""Content the bot serves: the meeting guides (Markdown, per language) and their tooling.

Pure domain code: nothing here imports telegram. ``guides`` parses, ``telegram_html`` renders,
``check`` validates, ``export`` writes the printable handbook.
"""

from content.guides import Guide, Library, Screen, default_library

__all__ = ["Guide", "Library", "Screen", "default_library"]
