"""Which mail is worth keeping: the store keeps only what looks recruiting-related (DESIGN.md).

One list of words serves the local filter (substrings of the subject and the start of the
body) and the Gmail search (whole words, Gmail does no stemming), so both keep the same mail.
"""

from __future__ import annotations

from radiosilence.model import Mail
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
