"""The reflection after a held meeting: one question per step, mostly buttons, then a summary
to save as it is or with a short note."""

from __future__ import annotations

from conversations.meeting.codec import Draft
from conversations.meeting.screens.common import Note
from conversations.runtime.callbacks import pack
from conversations.runtime.reply import Button, Reply
from conversations.vocabulary.meetings import phase_name, referral_name, topic_name
from locales import Translator
from models.meetings import FOLLOW_UP_MAX, PHASES, REFERRALS, TOPICS, ReflectionDraft

QUESTIONS = 5  # the steps before the confirmation, as the "(n/5)" counts them


def reflection_screen(
    tr: Translator,
    *,
    record_id: int,
    week: int,
    version: int,
    draft: Draft,
    note: Note | None = None,
) -> Reply:
    step = draft.step_name
    answers = _answers(tr, draft.to_domain()) if step == "confirm" else {}
    text = tr.render(
        "meeting/reflection.j2",
        note=note,
        week=week,
        number=min(draft.step + 1, QUESTIONS),
        step=step,
        **answers,
    )

    def data(op: str) -> str:
        return pack("rf", record_id, version, draft.pack(), op)

    buttons: list[list[Button]] = []
    if step == "phase":
        for i, key in enumerate(PHASES):
            mark = "• " if draft.phase == i else ""
            buttons.append([Button(mark + phase_name(tr, key), data(f"p{i}"))])
    elif step == "climate":
        buttons.append([Button(str(n), data(f"c{n}")) for n in range(1, 6)])
        buttons.append([Button(tr.pgettext("meeting", "Skip"), data("c0"))])
    elif step == "topics":
        toggles = [
            Button(("✓ " if draft.has_topic(i) else "") + topic_name(tr, key), data(f"t{i}"))
            for i, key in enumerate(TOPICS)
        ]
        buttons.extend([toggles[n : n + 2] for n in range(0, len(toggles), 2)])
        buttons.append([Button(tr.pgettext("meeting", "Next"), data("tn"))])
    elif step == "follow_ups":
        buttons.append(
            [
                Button(str(n) if n < FOLLOW_UP_MAX else f"{n}+", data(f"f{n}"))
                for n in range(FOLLOW_UP_MAX + 1)
            ]
        )
    elif step == "referral":
        buttons.append([Button(tr.pgettext("meeting", "No referral"), data("r0"))])
        options = [
            Button(referral_name(tr, key), data(f"r{i + 1}")) for i, key in enumerate(REFERRALS)
        ]
        buttons.extend([options[:2], options[2:]])
    else:
        buttons.append([Button(tr.pgettext("meeting", "Save"), data("s"))])
        buttons.append(
            [
                Button(tr.pgettext("meeting", "Add a short note"), data("n")),
                Button(tr.pgettext("meeting", "Change"), data("e")),
            ]
        )
    return Reply(text, buttons=buttons)


def _answers(tr: Translator, draft: ReflectionDraft) -> dict[str, object]:
    """What the confirmation step shows of the answers, in the reader's language."""
    return {
        "phase": phase_name(tr, draft.phase),
        "climate": draft.climate,
        "topics": [topic_name(tr, t) for t in TOPICS if t in draft.topics],
        "follow_ups": draft.follow_ups,
        "referral": referral_name(tr, draft.referral) if draft.referral else None,
    }


def ask_note_screen(tr: Translator) -> Reply:
    return Reply(tr.render("meeting/ask_note.j2"))


def note_too_long_screen(tr: Translator) -> Reply:
    # The long note leaves the chat too: it may hold what should not stay on a shared phone.
    return Reply(tr.render("meeting/note_too_long.j2"), delete_user_message=True)
