"""The data that crosses module boundaries.

Connectors hand over `RawItem`s (connectors/base.py); parsing turns them into `Mail` and `CalEvent`;
understanding builds `Interview`s and classifies employer mail; planning turns those
into `FollowUp`s and an `InterviewPlan` per interview. All times are timezone-aware
UTC datetimes unless a name says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


@dataclass(frozen=True)
class Address:
    """One mailbox: `email` is lower-cased, `name` is the display name or ''."""

    email: str
    name: str = ""

    @property
    def domain(self) -> str:
        return self.email.rpartition("@")[2]

    @property
    def first_name(self) -> str:
        """The first word of the display name, or '' when no name is known."""
        name = self.name.strip().strip('"')
        if "," in name:  # "Lovelace, Ada" -> "Ada"
            name = name.split(",", 1)[1].strip()
        return name.split()[0] if name else ""


@dataclass(frozen=True)
class Attendee:
    email: str  # lower-cased, without "mailto:"
    name: str = ""
    cutype: str = "INDIVIDUAL"  # RFC 5545 3.2.3: INDIVIDUAL, GROUP, RESOURCE, ROOM, UNKNOWN
    role: str = "REQ-PARTICIPANT"
    partstat: str = "NEEDS-ACTION"

    @property
    def address(self) -> Address:
        return Address(self.email, self.name)


@dataclass(frozen=True)
class CalEvent:
    """One VEVENT, from a calendar or from an invite inside a mail."""

    uid: str
    recurrence_id: str  # "" unless this is one occurrence of a series
    sequence: int
    method: str  # iTIP METHOD of the enclosing calendar: REQUEST, CANCEL, PUBLISH or ""
    status: str  # CONFIRMED, TENTATIVE, CANCELLED or ""
    summary: str
    description: str
    location: str
    start: datetime
    end: datetime
    all_day: bool
    organizer: Attendee | None
    attendees: tuple[Attendee, ...]
    conference_url: str = ""
    source: str = "calendar"  # "calendar" or "mail"
    source_ref: str = ""  # vdir href, or the Message-ID of the mail that carried it

    @property
    def cancelled(self) -> bool:
        return self.method == "CANCEL" or self.status == "CANCELLED"


@dataclass(frozen=True)
class Mail:
    """One parsed message, reduced to what understanding needs."""

    id: str  # Message-ID without angle brackets; a content hash when missing
    ref: str
    folder: str
    date: datetime
    sender: Address
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    subject: str
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names, selected ones
    body: str = ""  # text, quoted history kept (classification strips it)
    own: bool = False  # written by the user (Sent folder or one of the user's addresses)
    draft: bool = False
    invites: tuple[CalEvent, ...] = ()
    thread_hint: str = ""  # a provider's thread id (Gmail threadId); "" for Maildir
    reply_to: tuple[Address, ...] = ()

    @property
    def our_key(self) -> str:
        """The follow-up key we stamped into a draft, or ''."""
        return self.headers.get("x-radiosilence-key", "")


class Category(StrEnum):
    REJECTION = "rejection"
    OFFER = "offer"
    NEXT_ROUND = "next_round"
    INTERVIEW_INVITE = "interview_invite"
    TIMEFRAME_UPDATE = "timeframe_update"
    APPLICATION_ACK = "application_ack"
    AUTO_REPLY = "auto_reply"
    OTHER = "other"


@dataclass(frozen=True)
class Timeframe:
    phrase: str  # the words that stated it
    due: date | None  # None when the phrase names no date ("before the holidays")
    vague: bool = False


@dataclass(frozen=True)
class Classification:
    category: Category
    confidence: float
    evidence: tuple[str, ...] = ()
    timeframe: Timeframe | None = None  # the employer's own stated timeframe
    return_date: date | None = None  # auto-replies: when the person is back
    asks_user: bool = False  # a question or request the user owes an answer to
    language: str = ""  # ISO 639-1 best guess of the text's language, "" when unknown
    needs_review: bool = False  # confidence below classify.REVIEW_BELOW: worth a look


@dataclass(frozen=True)
class Interview:
    id: str  # "iv-" + short hash of the invite UID and RECURRENCE-ID
    uid: str
    title: str
    company: str  # "" when unknown
    company_domain: str  # "" when the employer only ever wrote through relays
    role: str  # "" when unknown
    start: datetime
    end: datetime
    cancelled: bool
    interviewers: tuple[Address, ...]
    organizer: Address | None
    description: str = ""
    location: str = ""
    conference_url: str = ""
    invite_threads: frozenset[str] = frozenset()
    score: float = 0.0
    evidence: tuple[str, ...] = ()


class Kind(StrEnum):
    THANK_YOU = "thank-you"
    NUDGE = "nudge"
    FINAL = "final"
    REPLY = "reply"  # the user owes the employer an answer: a reminder, never a draft


class State(StrEnum):
    SCHEDULED = "scheduled"
    THANK_YOU_DUE = "thank-you due"
    WAITING = "waiting"
    NUDGE_DUE = "nudge due"
    NUDGED = "nudged"
    FINAL_DUE = "final due"
    SILENT = "silent"  # the employer answered none of the follow-ups the person sent
    NOT_FOLLOWED_UP = "not followed up"  # the person sent no follow-up (or deleted its draft)
    IN_CONVERSATION = "in conversation"
    NEXT_ROUND = "next round"
    REJECTED = "closed: rejected"
    OFFER = "closed: offer"
    CANCELLED = "cancelled"
    IGNORED = "ignored"


# Nothing more is expected on either side: `status` lists these after the open ones.
CLOSED_STATES = frozenset({State.SILENT, State.NOT_FOLLOWED_UP, State.REJECTED, State.OFFER,
                           State.CANCELLED, State.IGNORED})


@dataclass(frozen=True)
class ThreadRef:
    """Where a reply goes: enough to thread it in any mail client and in Gmail."""

    subject: str  # the subject of the message replied to, as it stands
    message_id: str  # Message-ID (no brackets) of the message replied to
    references: tuple[str, ...]  # its References plus itself, oldest first
    thread_hint: str = ""  # provider thread id (Gmail threadId) when known


@dataclass(frozen=True)
class FollowUp:
    """One thing the user should do, with a draft unless kind is REPLY."""

    key: str  # stable: kind/interview/recipient/clock
    kind: Kind
    interview_id: str
    to: tuple[Address, ...]
    due: datetime  # when it should be done by
    remind_at: datetime  # when the reminder lands (a weekday at the configured local time)
    thread: ThreadRef | None = None
    context: dict[str, str] = field(default_factory=dict)  # facts for the templates


@dataclass(frozen=True)
class Question:
    """A label the classifier is unsure of. Until the person answers (`radiosilence label`)
    the mail counts as a plain reply: it closes nothing and starts no next round."""

    message_id: str
    category: Category  # what the classifier thinks it is
    confidence: float
    subject: str
    sender: str

    @property
    def text(self) -> str:
        return f"check: is this {_WORDS.get(self.category, self.category)}?"


_WORDS = {Category.REJECTION: "a rejection", Category.OFFER: "an offer",
          Category.NEXT_ROUND: "a next round", Category.INTERVIEW_INVITE: "an invitation",
          Category.TIMEFRAME_UPDATE: "news of when they will decide",
          Category.APPLICATION_ACK: "an acknowledgement", Category.AUTO_REPLY: "an auto-reply",
          Category.OTHER: "an ordinary reply"}


@dataclass(frozen=True)
class InterviewPlan:
    interview: Interview
    state: State
    next_action: str  # a short sentence for `status`
    due: datetime | None
    followups: tuple[FollowUp, ...] = ()
    questions: tuple[Question, ...] = ()  # unsure labels waiting for the person
