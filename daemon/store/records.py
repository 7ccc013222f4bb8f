"""What the state keeps besides raw data: the follow-ups we acted on (`Action`), and the JSON
forms in which messages and events are stored."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from radiosilence.model import Address, Attendee, CalEvent, Mail


class ActionStatus(StrEnum):
    """Where a follow-up we acted on stands; stored as its text."""

    DRAFTED = "drafted"  # our draft is in the mailbox as we wrote it
    EDITED = "edited"  # the user changed it: hands off from now on
    GONE = "gone"  # the user sent or deleted it
    REMOVED = "removed"  # we removed it because nobody needed it any more
    # Intent, recorded before the sink call: after a crash the next cycle knows that a
    # draft it cannot find (or finds) was our own doing, not the person's.
    WRITING = "writing"  # about to write it; the sink may or may not hold it
    REMOVING = "removing"  # about to delete it; the sink may still hold it


@dataclass(frozen=True)
class Action:
    """A follow-up we acted on, with the draft we wrote for it."""

    key: str
    kind: str
    interview_id: str
    recipient: str
    draft_ref: str
    content_hash: str
    status: ActionStatus
    due: str
    created_at: str
    updated_at: str


def mail_to_dict(mail: Mail) -> dict[str, Any]:
    data = asdict(mail)
    data["date"] = mail.date.isoformat()
    data["invites"] = [event_to_dict(event) for event in mail.invites]
    return data


def mail_from_dict(data: dict[str, Any]) -> Mail:
    return Mail(
        id=data["id"], ref=data["ref"], folder=data["folder"],
        date=datetime.fromisoformat(data["date"]),
        sender=Address(**data["sender"]),
        to=tuple(Address(**a) for a in data["to"]),
        cc=tuple(Address(**a) for a in data["cc"]),
        subject=data["subject"], in_reply_to=data["in_reply_to"],
        references=tuple(data["references"]), headers=dict(data["headers"]),
        body=data["body"], own=data["own"], draft=data["draft"],
        invites=tuple(event_from_dict(e) for e in data["invites"]),
        thread_hint=data["thread_hint"],
        reply_to=tuple(Address(**a) for a in data.get("reply_to", ())),
    )


def event_to_dict(event: CalEvent) -> dict[str, Any]:
    data = asdict(event)
    data["start"] = event.start.isoformat()
    data["end"] = event.end.isoformat()
    return data


def event_from_dict(data: dict[str, Any]) -> CalEvent:
    values = dict(data)
    values["start"] = datetime.fromisoformat(data["start"])
    values["end"] = datetime.fromisoformat(data["end"])
    values["organizer"] = Attendee(**data["organizer"]) if data["organizer"] else None
    values["attendees"] = tuple(Attendee(**a) for a in data["attendees"])
    return CalEvent(**values)
