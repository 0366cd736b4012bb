"""Translated names of what coordinators follow: where an agreement stands, and the events of its
history."""

from __future__ import annotations

from conversations.runtime.menu import Np_
from locales import Translator
from models.agreements import Status

STATUS_NAMES = {
    Status.REPORTED: Np_("coordinator", "Waiting for acknowledgement"),
    Status.ACKNOWLEDGED: Np_("coordinator", "Acknowledged, paper not yet documented"),
    Status.DOCUMENTED: Np_("coordinator", "Documented"),
    Status.REFERRED: Np_("coordinator", "Not an agreement: violence, referred"),
}
# An event's detail ({detail}) is a reference number or a follow-up answer, already translated.
EVENT_NAMES = {
    "reported": Np_("coordinator", "reported"),
    "acknowledged": Np_("coordinator", "acknowledged"),
    "documented": Np_("coordinator", "documented, reference {detail}"),
    "reference.corrected": Np_("coordinator", "reference corrected to {detail}"),
    "follow_up.m1": Np_("coordinator", "one month later: {detail}"),
    "follow_up.m3": Np_("coordinator", "three months later: {detail}"),
    "escalated": Np_("coordinator", "escalated to the administrators"),
    "escalated.province": Np_("coordinator", "escalated to the province's coordinators"),
    "escalated.commune": Np_("coordinator", "escalated to the commune's coordinators"),
    "paper.escalated": Np_("coordinator", "reference missing: escalated to the administrators"),
    "paper.escalated.province": Np_(
        "coordinator", "reference missing: escalated to the province's coordinators"
    ),
    "paper.escalated.commune": Np_(
        "coordinator", "reference missing: escalated to the commune's coordinators"
    ),
    "summary.erased": Np_("coordinator", "summary erased (retention)"),
    "referred": Np_(
        "coordinator", "not an agreement: violence, referred; summary and parties erased"
    ),
}


def status_name(tr: Translator, status: str) -> str:
    return tr.pgettext(*STATUS_NAMES[Status(status)])


def event_name(tr: Translator, action: str, detail: str) -> str:
    """What happened, e.g. "documented, reference GIT-2026/014"; an unknown action as stored."""
    label = EVENT_NAMES.get(action)
    return tr.pgettext(*label).format(detail=detail) if label else action
