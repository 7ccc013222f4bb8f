"""What an employer's mail means for the follow-up clock. Pure and rule-based.

The quoted history and the signature are cut off first, so that the user's own words and
older messages never decide the label. Each result carries the evidence that decided it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from radiosilence import domains
from radiosilence.model import Category, Classification
from radiosilence.timeframe import employer_timeframe, return_date

# RFC 3834 section 5: "auto-replied" marks a response generated to another message.
_AUTO_HEADERS = (("auto-submitted", re.compile(r"auto-replied", re.I)),
                 ("x-autoreply", re.compile(r".+")),
                 ("x-autorespond", re.compile(r".+")),
                 ("precedence", re.compile(r"auto[_-]?reply", re.I)))

_AUTO_SUBJECT = re.compile(
    r"^(automatic reply|auto-?reply|autoreply|auto:|out of (the )?office|ooo\b|abwesenheit|"
    r"automatische antwort|r[ée]ponse automatique|respuesta autom[aá]tica|"
    r"risposta automatica|automatisch antwoord|autosvar|automaattinen vastaus|"
    r"fuori sede|absence|away from)", re.I)
_AUTO_BODY = re.compile(
    r"(i am|i'm|i will be) (currently )?(out of (the )?office|away|on (annual |parental )?"
    r"leave|travell?ing|on vacation|on holiday)|limited access to (my )?e-?mail|"
    r"(this )?mailbox is (not|no longer) monitored|will (respond|reply|get back to you) "
    r"(to your (e-?mail|message) )?(when|upon|after) (i|my) return", re.I)

_RULES: tuple[tuple[Category, re.Pattern[str]], ...] = (
    # "Happy to offer feedback" is a warm rejection, so an offer must offer the job itself.
    (Category.OFFER, re.compile(
        r"(pleased|happy|delighted|excited|thrilled) to (extend|make) (you )?(an?|our|the) "
        r"(formal |verbal |written )?offer|"
        r"(pleased|happy|delighted|excited|thrilled|like) to offer you (the|a|this) "
        r"(\w+ ){0,3}(role|position|job)|"
        r"(extend|make) (you )?an offer|offer (letter|of employment)|formal offer|verbal offer",
        re.I)),
    (Category.REJECTION, re.compile(
        r"(move|moving|proceed|proceeding|go|going) forward with (other|another) candidate|"
        r"(not|won't|will not) (be )?(moving|proceeding|progressing|taking) (forward )?"
        r"(with )?your (application|candidacy)|regret to inform|"
        r"(have|has) not been successful|were not successful|unsuccessful|"
        r"(decided|chosen) (not to|to pursue|to go with)|position has (now )?been filled|"
        r"pursue other candidates|closer match|not (be )?a (fit|match) for|"
        r"decided to move forward with (other|another)", re.I)),
    (Category.NEXT_ROUND, re.compile(
        r"next (round|stage|step of (the|our) process)|second (interview|round)|"
        r"final (round|interview|stage)|move you (forward|on|to)|onsite|on-site|"
        r"take-?home|coding (challenge|assessment|exercise)|technical (assessment|exercise|"
        r"test)|invite you (back|to (a|an|the) (second|next|final|technical))", re.I)),
    (Category.INTERVIEW_INVITE, re.compile(
        r"invite you (to|for) (an? )?(interview|call|chat|conversation)|"
        r"schedule (an?|your|the) (interview|call|chat|phone screen)|your availability|"
        r"interview (confirmation|invitation|scheduled)|confirm(ed)? (your|the) interview|"
        r"book a (time|slot)", re.I)),
    (Category.APPLICATION_ACK, re.compile(
        r"(received|receipt of) your application|thank(s| you) for (applying|your application"
        r"|your interest in)|application (has been|was) (received|submitted)", re.I)),
    (Category.TIMEFRAME_UPDATE, re.compile(
        r"still (reviewing|deciding|interviewing|in the process)|finishing (up )?(our )?"
        r"interviews|no decision (yet|has been made)|(an )?update on (your|the) (application|"
        r"process)|(get back|come back|be in touch|let you know|hear back)", re.I)),
)

_ASKS = re.compile(
    r"(could|can|would) you (please )?(send|share|provide|confirm|let (me|us) know|tell)|"
    r"please (send|share|provide|confirm|let (me|us) know (your|if|when|whether))|"
    r"what (is|are|'s) your|when (would|are|could) you|are you (available|free|able)|"
    r"would you be (available|free|able|interested)", re.I)
_QUOTE_START = re.compile(
    r"^(on .{4,200}wrote:|-{2,}\s*original message\s*-{2,}|_{10,}|from:\s.+|"
    r"am .{4,120}schrieb .+:|le .{4,120}a écrit\s?:)\s*$", re.I)


def strip_quoted(body: str) -> str:
    """The new text of a reply: quoted lines, the quoted history and the signature removed."""
    kept: list[str] = []
    for line in body.splitlines():
        stripped = line.strip()
        if stripped == "--" or line.rstrip("\r") == "-- " or _QUOTE_START.match(stripped):
            break
        if stripped.startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept).strip()


def is_auto_reply(headers: Mapping[str, str], subject: str, text: str) -> tuple[bool, str]:
    """Whether the mail is an automatic answer, and the header or words that say so."""
    for name, pattern in _AUTO_HEADERS:
        value = headers.get(name, "")
        if value and pattern.search(value):
            return True, f"header {name}: {value}"
    if match := _AUTO_SUBJECT.search(subject.strip()):
        return True, f"subject: {match.group(0)}"
    if match := _AUTO_BODY.search(text[:2000]):
        return True, f"text: {match.group(0)}"
    return False, ""


def classify(subject: str, body: str, headers: Mapping[str, str], sender: str,
             sent_on: date) -> Classification:
    """Classify one message from the employer's side.

    `sender` is the From address; `sent_on` the message's date in the user's timezone,
    used to turn a stated timeframe or return date into a date.
    """
    # Mail clients type curly apostrophes ("we’ll"); the rules are written with straight ones.
    subject = subject.replace("\u2019", "'")
    text = strip_quoted(body).replace("\u2019", "'")
    auto, why = is_auto_reply(headers, subject, text)
    if auto:
        back = return_date(text, sent_on)
        evidence = (why,) + ((f"back on {back.isoformat()}",) if back else ())
        return Classification(Category.AUTO_REPLY, 0.95, evidence, return_date=back)
    domain = sender.rpartition("@")[2].lower()
    if domains.is_job_board(domain) or (
        headers.get("list-unsubscribe") and not domains.is_relay(domain)
    ):
        return Classification(Category.OTHER, 0.8, (f"newsletter or job board: {domain}",))
    content = f"{subject}\n{text}"
    timeframe = employer_timeframe(text, sent_on)
    asks = bool(_ASKS.search(text))
    for category, pattern in _RULES:
        if match := pattern.search(content):
            evidence = (match.group(0),)
            if timeframe:
                evidence += (f"timeframe: {timeframe.phrase}",)
            return Classification(category, 0.8, evidence, timeframe, asks_user=asks)
    if timeframe:
        return Classification(Category.TIMEFRAME_UPDATE, 0.7, (timeframe.phrase,), timeframe,
                              asks_user=asks)
    return Classification(Category.OTHER, 0.5, (), None, asks_user=asks)
