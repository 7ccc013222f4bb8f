"""What the templates get to know about a follow-up: names, company, day, topic."""

from __future__ import annotations

from collections.abc import Mapping

from radiosilence.model import Address, Interview
from radiosilence.plan.policy import PlanPolicy


def template_context(iv: Interview, person: Address, policy: PlanPolicy,
                     notes: Mapping[str, str]) -> dict[str, str]:
    """What a template may say about `person` and the interview `iv`."""
    local_start = iv.start.astimezone(policy.timezone)
    return {
        "first_name": person.first_name,
        "recipient_email": person.email,
        "company": iv.company,
        "role": iv.role,
        "interview_day": f"{local_start:%A} {local_start.day} {local_start:%B}",
        "topic": _topic_for(iv, person, notes),
        "interview_note": notes.get("", ""),
        "user_name": policy.user_name,
    }


def _topic_for(iv: Interview, person: Address, notes: Mapping[str, str]) -> str:
    """What this person and the user talked about: the user's note on them, else the
    agenda line naming them in the invite."""
    if note := notes.get(person.email):
        return note
    names = [n for n in person.name.replace(",", " ").split() if len(n) > 2]
    for line in iv.description.splitlines():
        if any(name.lower() in line.lower() for name in names):
            return _strip_agenda_line(line, names)
    return ""


def _strip_agenda_line(line: str, names: list[str]) -> str:
    """'10:00 Systems design with Ana Ortiz: queue migration' -> 'queue migration'."""
    text = line.strip(" -*•\t")
    if ":" in text:
        head, _, tail = text.rpartition(":")
        if tail.strip() and any(n.lower() in head.lower() for n in names):
            return tail.strip()
    return text
