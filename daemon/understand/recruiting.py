"""Which mail is worth keeping: the store keeps only what looks recruiting-related (DESIGN.md).

One list of words serves the local filter (substrings of the subject and the start of the
body) and the Gmail search (whole words, Gmail does no stemming), so both keep the same mail.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from email.message import Message

from radiosilence.connectors.base import DROP, KEEP, Verdict
from radiosilence.model import Mail
from radiosilence.parse.mail import parse_head
from radiosilence.understand import senders
from radiosilence.understand.threads import counterparts

RECRUITING_WORDS = (
    "interview", "interviews", "interviewing", "interviewer", "application", "applications",
    "applied", "candidate", "candidacy", "recruit", "recruiter", "recruiting", "recruitment",
    "hiring", "onsite", "screening", "position", "role", "offer", "opportunity", "talent",
)
_BODY_CHARS = 5000  # the words of a recruiting mail come early; a long newsletter's do not


def looks_recruiting(mail: Mail, known: set[str]) -> bool:
    """An invite, mail with someone of a known interview or a relay, or recruiting words;
    never mail from a job board (alerts would flood the store)."""
    if mail.invites:
        return True
    others = counterparts(mail)
    if any(senders.is_job_board(a.domain) for a in others):
        return False
    if any(a.email in known or senders.is_relay(a.domain) for a in others):
        return True
    text = f"{mail.subject}\n{mail.body[:_BODY_CHARS]}".lower()
    return any(word in text for word in RECRUITING_WORDS)


# A Date read from headers alone may be off by a zone (no offset given): mail is dropped as
# old only when it is older than the window by more than that.
_DATE_SLACK = timedelta(days=2)
LOOK_FOR = Verdict(False, RECRUITING_WORDS)  # keep it if its text has one of the words


class RecruitingTriage:
    """Headers first: the decisions of `looks_recruiting` and of Sync's reply rule, taken
    from headers alone, for sources to read whole only what may be kept.

    It keeps a superset of what Sync keeps (Sync still decides on the whole message): a
    reply to a stored message or to one not dropped earlier in the batch, mail with a known
    contact or a relay, recruiting words in the subject; it drops mail from job boards and
    mail older than the window; the rest is kept when its text holds a recruiting word.
    Invitations are kept by the sources whatever it says. `known` and `has_message` are
    read from the store at each batch; `oldest`, when given, is the start of the window.
    """

    def __init__(self, own: frozenset[str], sent_folders: frozenset[str],
                 known: Callable[[], set[str]], has_message: Callable[[str], bool],
                 oldest: Callable[[], datetime] | None = None,
                 default_tz: tzinfo = UTC) -> None:
        self.own = own
        self.sent_folders = sent_folders
        self.known = known
        self.has_message = has_message
        self.oldest = oldest
        self.default_tz = default_tz

    def batch(self) -> Callable[[Message, str], Verdict]:
        known = self.known()
        oldest = self.oldest() - _DATE_SLACK if self.oldest is not None else None
        passed: set[str] = set()  # ids of the batch's messages not dropped so far

        def judge(head: Message, folder: str) -> Verdict:
            mail = parse_head(head, folder, own_addresses=self.own,
                              sent_folders=self.sent_folders, default_tz=self.default_tz)
            if oldest is not None and mail.date < oldest:
                return DROP  # Sync drops it too, before any other rule
            verdict = self._verdict(mail, known, passed)
            if verdict != DROP and mail.id:
                passed.add(mail.id)
            return verdict

        return judge

    def _verdict(self, mail: Mail, known: set[str], passed: set[str]) -> Verdict:
        refs = [ref for ref in (mail.in_reply_to, *mail.references) if ref]
        if any(ref in passed or self.has_message(ref) for ref in refs):
            return KEEP  # Sync keeps replies to kept mail whatever their words or sender
        others = counterparts(mail)
        if any(senders.is_job_board(a.domain) for a in others):
            return DROP
        if any(a.email in known or senders.is_relay(a.domain) for a in others):
            return KEEP
        if any(word in mail.subject.lower() for word in RECRUITING_WORDS):
            return KEEP
        return LOOK_FOR
