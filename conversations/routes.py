"""Every callback prefix and every pending step of the bot, each declared once.

Button data starts with a prefix naming what a tap does ("gd:12:3" opens a guide screen). The
application refuses to start when a handler's prefix is not declared here, when a prefix is
declared twice or handled twice, when a declared prefix has no handler, or when a typed-text
step has no handler (conversations/app.py, conversations/runtime/registry.py).
"""

from __future__ import annotations

# prefix -> what the tap does
CALLBACKS: tuple[tuple[str, str], ...] = (
    # registration
    ("lang", "a language chosen"),
    # guide
    ("gm", "guide: the menu"),
    ("gw", "guide: the weeks"),
    ("gp", "guide: the phases"),
    ("gr", "guide: a reference page"),
    ("gk", "guide: problem areas"),
    ("gt", "guide: a guide's contents"),
    ("gd", "guide: one screen"),
    ("gx", "guide: the week as a file"),
    # meeting (/session: the week's meeting and its record)
    ("so", "meeting: the week panel"),
    ("st", "meeting: held today"),
    ("sl", "meeting: held on another day, the dates"),
    ("sa", "meeting: held on a chosen date"),
    ("sn", "meeting: not held, the reasons"),
    ("sk", "meeting: not held, a reason chosen"),
    ("sx", "meeting: not held, saved"),
    ("sv", "meeting: a record viewed"),
    ("sc", "meeting: attendance corrected"),
    ("at", "meeting: an absent participant toggled"),
    ("as", "meeting: attendance saved"),
    ("rf", "meeting: a reflection step"),
    ("pr", "meeting: the preparation checklist"),
    ("pt", "meeting: a preparation item toggled"),
    ("hs", "meeting: the self-help group started"),
    ("hw", "meeting: the self-help group's day"),
    ("hc", "meeting: a self-help check-in answered"),
    ("hd", "meeting: the self-help meeting's day to change"),
    ("ht", "meeting: the self-help meeting's time to change"),
    ("hm", "meeting: the self-help meeting's day and time changed"),
    # roster
    ("ro", "roster: the list"),
    ("ra", "roster: codes to add"),
    ("rl", "roster: who left"),
    ("rp", "roster: one participant"),
    ("rx", "roster: a participant's action"),
    # newgroup
    ("na", "new group: a place"),
    ("nd", "new group: the weekday"),
    ("nt", "new group: the time"),
    ("ns", "new group: the start date"),
    ("nk", "new group: confirmed"),
    ("ny", "new group: created"),
    ("nq", "new group: cancelled"),
    # agreement
    ("ag:g", "agreement: the group"),
    ("ag:k", "agreement: the kind"),
    ("ag:v", "agreement: violence, the referral guidance"),
    ("ag:vn", "agreement: why violence is never an agreement"),
    ("ag:vr", "agreement: a referral requested"),
    ("ag:p", "agreement: a party toggled"),
    ("ag:pn", "agreement: parties done"),
    ("ag:o", "agreement: an outside party toggled"),
    ("ag:on", "agreement: outside parties done"),
    ("ag:t", "agreement: a witness toggled"),
    ("ag:tn", "agreement: witnesses done"),
    ("ag:d", "agreement: the date"),
    ("ag:dt", "agreement: the date to be typed"),
    ("ag:wr", "agreement: written and signed or not"),
    ("ag:rs", "agreement: the summary rewritten"),
    ("ag:vy", "agreement: the summary involves violence (the draft ends)"),
    ("ag:vo", "agreement: the summary involves no violence (stored, to check)"),
    ("ag:s", "agreement: saved"),
    ("ag:x", "agreement: cancelled"),
    ("ag:f", "agreement: a follow-up answered"),
    # coordinator
    ("co:v", "coordinator: an agreement's details"),
    ("co:k", "coordinator: an alert acknowledged"),
    ("co:kd", "coordinator: acknowledged from the details"),
    ("co:d", "coordinator: the reference to be typed"),
    ("co:nv", "coordinator: not an agreement (violence), to confirm"),
    ("co:ny", "coordinator: not an agreement (violence), referred"),
    ("co:nb", "coordinator: back to the details from the referral question"),
    ("co:rc", "coordinator: the chart"),
    ("co:rx", "coordinator: the XLSX export"),
    ("co:rv", "coordinator: the CSV export"),
    ("co:ro", "coordinator: the report again"),
    ("co:rp", "coordinator: the report's periods"),
    ("co:rq", "coordinator: a period chosen"),
    ("co:rt", "coordinator: two dates to be typed"),
    ("co:ra", "coordinator: the areas to choose from"),
    ("co:rs", "coordinator: an area chosen"),
    ("co:rm", "coordinator: the monthly files on or off"),
    ("co:g", "coordinator: a group's view"),
    ("co:gl", "coordinator: the groups again"),
    ("co:gr", "coordinator: replace a facilitator, the question"),
    ("co:gy", "coordinator: a facilitator replaced"),
    ("co:gd", "coordinator: the self-help meeting's day to change"),
    ("co:gt", "coordinator: the self-help meeting's time to change"),
    ("co:gm", "coordinator: the self-help meeting's day and time changed"),
    # review (/review: guides and interface texts checked by a named reviewer)
    ("rv", "review: a language's menu"),
    ("ri", "review: one screen or text, beside its source"),
    ("rj", "review: a verdict (approve, suggest, discuss)"),
    # privacy, audit log
    ("wp", "/wipe confirmed or not"),
    ("au", "audit log: older entries"),
)

# The steps at which the bot waits for typed text; each has exactly one handler.
TEXT_STEPS: tuple[tuple[str, str], ...] = (
    ("newgroup.name", "the new group's name"),
    ("newgroup.time", "the new group's meeting time"),
    ("roster.add", "participant codes to add"),
    ("roster.rename", "a participant's new code"),
    # The meeting flow's steps keep the names "session.*" that persisted pending steps carry.
    ("session.date", "the date a meeting was held"),
    ("session.note", "the reflection's note"),
    ("session.selfhelp", "the self-help group's name"),
    ("agreement.date", "the date an agreement was reached"),
    ("agreement.summary", "the agreement's summary"),
    ("coordinator.reference", "the reference number of the signed paper"),
    ("coordinator.period", "the first and last day of a report's period"),
    ("review.suggestion", "a reviewer's corrected text"),
)

# Taps that continue or save a draft, carried in the buttons or dropped by /cancel: on a message
# shown before the person's last /cancel they are stale (conversations/runtime/cancelling.py).
# Entry points (the week panel, a roster, an agreement's first questions) stay valid.
DRAFT_TAPS: tuple[str, ...] = (
    *("ag:p", "ag:pn", "ag:o", "ag:on", "ag:t", "ag:tn", "ag:d", "ag:dt", "ag:wr", "ag:rs"),
    "ag:s",
    *("ag:vy", "ag:vo"),
    *("sa", "sk", "sx", "at", "as", "rf"),
    "rx",
)

# Steps that carry what was chosen so far while the next answer is a tap, not text.
TAP_STEPS: tuple[tuple[str, str], ...] = (
    # Named "session.*" like the meeting flow's text steps, which persisted steps carry.
    ("session.selfhelp_day", "the self-help group's day, after its name"),
)
