"""The meeting flow's screens: each takes plain data and returns the Reply to show, its text
rendered from a template in content/templates/meeting/, its buttons built here.

  common       the italic note above a screen, shared buttons
  week         the week panel, held / not held, the record's summary
  attendance   the roster as toggles
  reflection   the reflection's steps and its note
  preparation  the checklist before week 1
  self_help    the self-help group after week 15
"""
