"""Which mail is worth keeping: the store keeps only what looks recruiting-related (DESIGN.md).

One list of words serves the local filter (substrings of the subject and the start of the
body) and the Gmail search (whole words, Gmail does no stemming), so both keep the same mail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

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
# The words for substring tests: less those that hold another ("interviews" holds "interview").
_STEMS = tuple(word for word in RECRUITING_WORDS
               if not any(other != word and other in word for other in RECRUITING_WORDS))
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
    return any(word in text for word in _STEMS)


# A Date read from headers alone may be off by a zone (no offset given): mail is dropped as
# old only when it is older than the window by more than that.
_DATE_SLACK = timedelta(days=2)
LOOK_FOR = Verdict(False, _STEMS)  # keep it if its text holds one of the words


@dataclass(frozen=True, slots=True)
class _Look:
    """What the triage keeps of one message's headers while it judges the batch."""

    id: str
    refs: tuple[str, ...]  # In-Reply-To, then References
    recent: bool  # within the window
    verdict: Verdict


class RecruitingTriage:
    """Headers first: the decisions of `looks_recruiting` and of Sync's reply rule, taken
    from headers alone, for sources to read whole only what may be kept (the `Triage` of
    connectors/base.py).

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

    def _head(self, head: Mapping[str, str], folder: str) -> Mail | None:
        try:
            return parse_head(head, folder, own_addresses=self.own,
                              sent_folders=self.sent_folders, default_tz=self.default_tz)
        except Exception:  # any content may be hostile; one message must not stop a batch
            return None

    def judge(self, heads: Iterable[tuple[Mapping[str, str], str]]) -> list[Verdict]:
        known = self.known()
        oldest = self.oldest() - _DATE_SLACK if self.oldest is not None else None
        # One look per message, keeping only what the reply rule below needs: a first scan
        # judges every message of the mailbox, and their Mails would all be held at once.
        looks = [self._look(head, folder, known, oldest) for head, folder in heads]
        verdicts = [look.verdict for look in looks]
        # Replies to anything not dropped are kept, as Sync keeps replies to kept mail, to
        # any depth: a superset of Sync's, which decides again on the whole messages.
        passed = {look.id for look in looks if look.verdict != DROP and look.id}
        grown = True
        while grown:
            grown = False
            for i, look in enumerate(looks):
                if verdicts[i].keep or not look.recent or not any(
                        ref in passed for ref in look.refs):
                    continue
                verdicts[i] = KEEP
                grown = grown or (bool(look.id) and look.id not in passed)
                passed.add(look.id)
        return verdicts

    def _look(self, head: Mapping[str, str], folder: str, known: set[str],
              oldest: datetime | None) -> _Look:
        mail = self._head(head, folder)
        if mail is None:  # headers this cannot read: read whole; Sync, guarding each, decides
            return _Look("", (), True, KEEP)
        # Sync drops mail older than its window before any other rule: so does this.
        recent = oldest is None or mail.date >= oldest
        refs = tuple(ref for ref in (mail.in_reply_to, *mail.references) if ref)
        return _Look(mail.id, refs, recent, self._verdict(mail, known) if recent else DROP)

    def _verdict(self, mail: Mail, known: set[str]) -> Verdict:
        if _answers(mail, set(), self.has_message):
            return KEEP  # Sync keeps replies to stored mail whatever their words or sender
        others = counterparts(mail)
        if any(senders.is_job_board(a.domain) for a in others):
            return DROP
        if any(a.email in known or senders.is_relay(a.domain) for a in others):
            return KEEP
        subject = mail.subject.lower()
        if any(word in subject for word in _STEMS):
            return KEEP
        return LOOK_FOR


def _answers(mail: Mail, ids: set[str],
             stored: Callable[[str], bool] = lambda _: False) -> bool:
    """Whether `mail` answers one of `ids` or a stored message (In-Reply-To, References)."""
    refs = [ref for ref in (mail.in_reply_to, *mail.references) if ref]
    return any(ref in ids or stored(ref) for ref in refs)
