"""Translated answers for domain errors, shared by every flow.

The domain raises codes (`InvalidInput("date_future")`); here each code gets a sentence that says
what the person can do, in their language. A code without its own sentence falls back to the
sentence of its kind (NotFound, InvalidInput, ...). tests/domain/test_error_texts.py reads every
code raised in models/ and fails when one has no sentence, or no Kirundi or French translation.
Pop-ups show at most 200 characters, so each sentence stays shorter than that in every language."""

from __future__ import annotations

from locales import Translator
from models.agreements import MIN_PARTIES, REFERENCE_MAX, SUMMARY_MAX
from models.errors import DomainError
from models.groups import WEEKS
from models.meetings import CORRECTION_DAYS, FOLLOW_UP_MAX, LATE_ENTRY_DAYS, NOTE_MAX
from models.reviews import REVIEWER_NAME_MAX, SUGGESTION_MAX
from models.roster import CODE_MAX


def domain_error_text(tr: Translator, error: DomainError) -> str:
    sentences = error_sentences(tr)
    for code in (error.code, type(error).code):
        if code in sentences:
            return sentences[code]
    return sentences[DomainError.code]


def error_sentences(tr: Translator) -> dict[str, str]:
    """Every error code with its sentence in the reader's language."""
    return {
        **_kinds(tr),
        **_access(tr),
        **_places_and_groups(tr),
        **_roster(tr),
        **_meetings(tr),
        **_dates(tr),
        **_agreements(tr),
        **_reviews(tr),
    }


def _kinds(tr: Translator) -> dict[str, str]:
    """The sentence of each kind of error, for a code that has none of its own."""
    return {
        "error": tr.pgettext("error", "That did not work. Please try again."),
        "not_allowed": tr.pgettext("error", "This is not part of your role."),
        "not_found": tr.pgettext("error", "This record no longer exists or is not yours to see."),
        "invalid_input": tr.pgettext("error", "That was not understood. Please try again."),
        "conflict": tr.pgettext(
            "error",
            "Someone else changed this record a moment ago. Here is the current version; "
            "please check it and try again.",
        ),
    }


def _access(tr: Translator) -> dict[str, str]:
    """Invitations and people. The invitation sentences are the ones the registration flow
    gives in all three languages to a person it does not know yet."""
    return {
        "revoked": tr.pgettext(
            "access", "Your access to this bot has ended. Ask your coordinator."
        ),
        "not_registered": tr.pgettext("access", "Please open your invitation link first."),
        "language": tr.pgettext("error", "That language is not available."),
        "invite_unknown": tr.pgettext(
            "access", "This invitation code is not valid. Check the link or ask your coordinator."
        ),
        "invite_expired": tr.pgettext(
            "access", "This invitation has expired. Ask your coordinator for a new one."
        ),
        "invite_used": tr.pgettext(
            "access", "This invitation has already been used. Ask your coordinator for a new one."
        ),
        "invite_uses": tr.pgettext(
            "error", "An invitation can be used 1 to 1000 times. Choose a number in that range."
        ),
        "invite_label": tr.pgettext(
            "error", "An invitation's label is at most 60 characters. Write a shorter one."
        ),
        "invite_days": tr.pgettext(
            "error", "An invitation can last 1 to 365 days. Choose a number in that range."
        ),
        "invite_needs_area": tr.pgettext(
            "error", "A coordinator needs an area. Give it too, as Province/Commune/Colline."
        ),
        "invite_needs_group": tr.pgettext(
            "error", "A facilitator's invitation needs a group. Give the group's number too."
        ),
        "invite": tr.pgettext(
            "error", "There is no invitation with that number. Check it in the list of invitations."
        ),
        "user": tr.pgettext(
            "error", "There is no person with that number. Check it in the list of people."
        ),
    }


def _places_and_groups(tr: Translator) -> dict[str, str]:
    return {
        "area": tr.pgettext(
            "error", "That area is not known. Give it as Province/Commune/Colline, as listed."
        ),
        "area_name": tr.pgettext(
            "error", "An area's name needs 1 to 80 characters. Please give another name."
        ),
        "area_path": tr.pgettext(
            "error", "Give the area as one to three names separated by /: Province/Commune/Colline."
        ),
        "area_too_deep": tr.pgettext(
            "error", "Areas go down to the colline and no further: Province/Commune/Colline."
        ),
        "group": tr.pgettext(
            "error",
            "This group no longer exists or is not yours to see. Send /help to see what you can "
            "do.",
        ),
        "group_name": tr.pgettext(
            "error",
            "A group's name needs 1 to 80 characters, and no personal names. Please send another.",
        ),
        "group_needs_colline": tr.pgettext(
            "error", "A group meets on a colline. Choose its place down to the colline."
        ),
        "weekday": tr.pgettext("error", "Choose a day of the week from the buttons."),
        "meeting_time": tr.pgettext("error", "Type the time as hours:minutes, for example 14:30."),
        "prep_item": tr.pgettext(
            "error",
            "That item is not on the preparation checklist. Use the buttons of the latest message.",
        ),
    }


def _roster(tr: Translator) -> dict[str, str]:
    return {
        "participant": tr.pgettext(
            "error",
            "That participant code is not on the group's roster any more. Send /roster to see "
            "the current list.",
        ),
        "code_empty": tr.pgettext(
            "error", "Please send a participant code: letters and digits, for example A1."
        ),
        "code_has_space": tr.pgettext(
            "error", "A code has no spaces: is it a name? Use a code such as A1, never a name."
        ),
        "code_too_long": tr.pgettext(
            "error", "A participant code has at most {limit} characters. Send a shorter one."
        ).format(limit=CODE_MAX),
        "code_bad_characters": tr.pgettext(
            "error", "A participant code uses only letters, digits and - . _. Send another one."
        ),
        "code_duplicate": tr.pgettext(
            "error", "That code is already on this roster. Choose another code."
        ),
        "consent_date_future": tr.pgettext(
            "error", "Consent cannot be recorded for a day still to come. Record it on the day."
        ),
    }


def _meetings(tr: Translator) -> dict[str, str]:
    """Recording the weekly meetings, and the self-help group that follows them."""
    return {
        "meeting": tr.pgettext(
            "error",
            "This meeting record no longer exists or is not yours to see. Send /session to see "
            "this week.",
        ),
        "correction_closed": tr.pgettext(
            "error",
            "Records can be corrected for {days} days after they are saved. For this one, tell "
            "your coordinator what needs correcting.",
        ).format(days=CORRECTION_DAYS),
        "group_finished": tr.pgettext(
            "error", "This group's weekly meetings are over, so no more weeks can be recorded."
        ),
        "status": tr.pgettext(
            "error", "Choose whether the meeting was cancelled or postponed, from the buttons."
        ),
        "not_held": tr.pgettext(
            "error",
            "That meeting did not take place, so it has no attendance or reflection. Send "
            "/session to record this week.",
        ),
        "roster_empty": tr.pgettext(
            "error",
            "The group has no participant codes yet. Add them with /roster, then record "
            "attendance.",
        ),
        "phase": tr.pgettext("error", "Choose the group's phase from the buttons."),
        "climate": tr.pgettext(
            "error", "Choose the climate from 1 (very tense) to 5 (warm and open)."
        ),
        "topics": tr.pgettext(
            "error", "Choose the problem areas from the buttons of the latest message."
        ),
        "follow_ups": tr.pgettext(
            "error", "Choose the number of follow-ups from 0 to {most} (for {most} or more)."
        ).format(most=FOLLOW_UP_MAX),
        "referral": tr.pgettext(
            "error", "Choose the type of referral from the buttons, or No referral."
        ),
        "note_too_long": tr.pgettext(
            "error",
            "That note is longer than {limit} characters. Please send a shorter one (no names, "
            "no stories).",
        ).format(limit=NOTE_MAX),
        "not_finished": tr.pgettext(
            "error", "The self-help group can start once all {weeks} weeks are recorded."
        ).format(weeks=WEEKS),
        "not_self_help": tr.pgettext(
            "error",
            "This question is only for self-help groups. Send /session to see where your group is.",
        ),
    }


def _dates(tr: Translator) -> dict[str, str]:
    """Dates of meetings and of agreements, and the period of a report."""
    return {
        "date_future": tr.pgettext(
            "error", "That date is in the future. Choose today or an earlier day."
        ),
        "date_too_old": tr.pgettext(
            "error",
            "That date is more than {days} days ago, too late to record here. Tell your "
            "coordinator about that meeting.",
        ).format(days=LATE_ENTRY_DAYS),
        "date_before_start": tr.pgettext(
            "error", "That date is before the group started. Choose a day since it began meeting."
        ),
        "date_before_previous": tr.pgettext(
            "error",
            "That date is before the last recorded meeting. Choose that day or a later one.",
        ),
        "held_same_day": tr.pgettext(
            "error",
            "A session is already recorded on that day. Open it with /session and correct it if "
            "needed.",
        ),
        "period_order": tr.pgettext(
            "error", "The end date is before the start date. Give the earlier date first."
        ),
        "period_dates": tr.pgettext(
            "error",
            "Those are not two dates. Type the first and the last day, for example: "
            "1/10/2026 31/12/2026",
        ),
        "area_scope": tr.pgettext(
            "error", "That area is outside yours. Choose one of the areas the bot lists."
        ),
    }


def _agreements(tr: Translator) -> dict[str, str]:
    return {
        "roster_too_small": tr.pgettext(
            "error",
            "An agreement needs at least {count} participant codes on the roster. Add them with "
            "/roster first.",
        ).format(count=MIN_PARTIES),
        "too_few_parties": tr.pgettext(
            "error", "Choose at least {count} parties from the roster."
        ).format(count=MIN_PARTIES),
        "mask": tr.pgettext(
            "error",
            "That choice is not on the list any more. Please choose again from the latest message.",
        ),
        "summary_empty": tr.pgettext("error", "Please send the summary as a short text."),
        "official_party": tr.pgettext(
            "error",
            "An official or local leader is never a party: the programme documents agreements "
            "without the administration. Please choose again.",
        ),
        "summary_too_long": tr.pgettext(
            "error",
            "That summary is longer than {limit} characters. Please send a shorter one (no "
            "names, no stories).",
        ).format(limit=SUMMARY_MAX),
        "reference": tr.pgettext(
            "error",
            "That is not a reference number: at most {limit} letters, digits and / - . _, with "
            "at least one digit. Please send it again.",
        ).format(limit=REFERENCE_MAX),
        "draft_incomplete": tr.pgettext(
            "error",
            "This agreement is not complete: choose the parties and the date, say whether it is "
            "signed, and add the summary.",
        ),
        "step": tr.pgettext(
            "error", "That follow-up question is not known. Please answer from the latest message."
        ),
    }


def _reviews(tr: Translator) -> dict[str, str]:
    """Reviewing guides and interface texts (/review, and the operator's reviewer command)."""
    return {
        "not_reviewer": tr.pgettext(
            "error",
            "Reviewing is for people the programme has named as reviewers of a language. "
            "Ask your coordinator.",
        ),
        "review_changed": tr.pgettext(
            "error",
            "This text has changed since it was shown. Open /review again to see it as it reads "
            "now.",
        ),
        "suggestion_empty": tr.pgettext("error", "Please type the text as it should read."),
        "suggestion_too_long": tr.pgettext(
            "error", "That suggestion is longer than {limit} characters. Please send a shorter one."
        ).format(limit=SUGGESTION_MAX),
        "reviewer_name": tr.pgettext(
            "error",
            "Give the reviewer's name as the programme knows them, at most {limit} letters.",
        ).format(limit=REVIEWER_NAME_MAX),
        "reviewer": tr.pgettext("error", "That person does not review this language."),
    }
