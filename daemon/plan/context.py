"""What the templates get to know about a follow-up: names, company, day, topic."""

from __future__ import annotations

from collections.abc import Mapping

from radiosilence.model import Address, Interview
from radiosilence.plan.policy import PlanPolicy
from radiosilence.plan.slots import day_text


def template_context(iv: Interview, person: Address, policy: PlanPolicy,
                     notes: Mapping[str, str]) -> dict[str, str]:
    """What a template may say about `person` and the interview `iv`."""
    local_start = iv.start.astimezone(policy.timezone)
    return {
        "first_name": person.first_name,
        "recipient_email": person.email,
        "company": iv.company,
        "role": iv.role,
        "interview_day": day_text(local_start.date()),
        "topic": _topic_for(iv, person, notes),
        "interview_note": notes.get("", ""),
        "user_name": policy.user_name,
    }


def _topic_for(iv: Interview, person: Address, notes: Mapping[str, str]) -> str:
    """What this person and the user talked about: the user's note on them, else the topic
    of an agenda line naming them in the invite; "" (the template's visible placeholder)
    when neither is there. The topic goes mid-sentence, so its own end mark goes."""
    if note := notes.get(person.email):
        return _clause(note)
    names = [n for n in person.name.replace(",", " ").split() if len(n) > 2]
    for line in iv.description.splitlines():
        if names and any(name.lower() in line.lower() for name in names):
            if topic := _agenda_topic(line, names):
                return topic
    return ""


def _agenda_topic(line: str, names: list[str]) -> str:
    """'10:00 Systems design with Ana Ortiz: queue migration' -> 'queue migration'.

    Only that shape counts: a line naming the person without a topic after a colon
    ("Frontend interview with Ana Ortiz (Staff Engineer)") describes the meeting, not what
    was talked about, and read into a sentence it would say something nobody said.
    """
    head, colon, tail = line.strip(" -*•\t").rpartition(":")
    if not colon or not any(n.lower() in head.lower() for n in names):
        return ""
    return _clause(tail)


def _clause(text: str) -> str:
    return text.strip().rstrip(".!?;:,").strip()
