"""What in a calendar event says "job interview", what says "not one", and who is named.

Pure functions over one `CalEvent`. Real invitations often never say "interview": a
scheduling tool titles them "Ana Ortiz and Sam Seeker", a recruiter writes "Second round -
Tidewater" or "Chat with Dana". Such casual titles count only together with other
evidence: someone from an employer's domain, a video link, a recruiting system, a
description that names the interview, a title that pairs the user with someone. Online
tests, webinars, admissions, classes, coaching and mock interviews are refused even when
they say "interview" (DESIGN.md section 3).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from radiosilence.model import Attendee, CalEvent
from radiosilence.parse.dates import fold_accents
from radiosilence.understand import senders

_TITLE_WORDS: tuple[tuple[str, float], ...] = (
    (r"\binterview", 0.5), (r"\bscreen(ing)?\b", 0.35), (r"\bon-?site\b", 0.4),
    (r"\bpanel\b", 0.3), (r"\bloop\b", 0.2), (r"hiring manager", 0.4), (r"\btechnical\b", 0.2),
    (r"take-?home|debrief", 0.2), (r"<>", 0.25), (r"\b(final|second|next) round\b", 0.4),
    (r"\brecruit(er|ing|ment)\b", 0.3), (r"\bcase study\b|system design|pair(ing)? session", 0.3),
    (r"\b(intro|introductory|discovery) call\b", 0.15), (r"\bteam fit\b|culture fit", 0.3),
    (r"portfolio review|presentation round|work sample|whiteboard", 0.3),
    (r"\b(first|1st|2nd|3rd|third|fourth) round\b|\bround (\d|one|two|three|iii|ii|i)\b", 0.4),
    (r"\bstage (\d|one|two|three)\b|\b(first|second|final|next)[- ]stage\b", 0.4),
)
# Words of any meeting: alone they prove nothing, with other evidence they are an interview.
_CASUAL = re.compile(r"\b(discussion|chat|call|conversation|meet(ing)?|catch[- ]?up|coffee|"
                     r"sync|connect|intro(duction)?|round|talk)s?\b", re.I)
_CASUAL_WEIGHT = 0.15
# Refusals, one weight per kind however many of its words appear: these are not job
# interviews even when the title says "interview" ("Mock interview", "Interview skills
# webinar", "Admissions interview").
_REFUSE_TITLE: tuple[tuple[str, str, float], ...] = (
    ("mock or practice", r"\bmock\b|\bpractice\b|\brehears", 0.8),
    ("online test", r"hackerrank|codility|codesignal|testgorilla|hirevue|\bonline test\b|"
     r"\b(online|coding|video|timed|skills?|aptitude|psychometric|cognitive) (assessment|test)"
     r"|\bcoding (test|challenge)\b|\baptitude\b|\bquiz\b|\bexam\b", 0.8),
    ("event", r"\bpodcast\b|\bwebinar\b|\bmeetup\b|\binfo(rmation)? session\b|\bopen (day|"
     r"evening)\b|\b(career|careers|job|graduate) fair\b|\bworkshop\b|\bmasterclass\b|"
     r"\bconference\b(?! call)|\bhackathon\b|\blive ?stream\b|\btown ?hall\b|\bama\b", 0.8),
    ("admissions or study programme", r"\badmissions?\b|\bbootcamp\b|\bmsc\b|\bmba\b|\bphd\b|"
     r"\bdegree\b|\bstudy program|\bcohort\b|\bscholarship\b|\bapplicant day\b", 0.8),
    ("class or course", r"\bclass\b|\bcourse\b|\blessons?\b|\blecture\b|\btutorial\b|"
     r"\bseminar\b|\btraining\b|\binterview (skills|techniques|tips|prep)\b|\bweek \d", 0.8),
    ("coaching", r"\bcoach(ing)?\b|\b(cv|resume|résumé) review\b|\bmentor(ing|ship)?\b", 0.8),
    ("internal routine", r"\bstandup\b|\bstand-up\b|\b1:1\b|\bretro\b|\ball-hands\b", 0.5),
)
# In a description the same kinds weigh less: a real invitation may say "please do the
# coding test before" or "of course"; these phrases are specific enough to count.
_REFUSE_TEXT: tuple[tuple[str, str, float], ...] = (
    ("mock or practice",
     r"\bmock interview|\bas (a )?practice\b|\bpractice (interview|session)", 0.5),
    ("online test", r"\b(your|the) (test|assessment) (is open|link)|\btimed (task|test)\b|"
     r"app\.codility\.com|hackerrank\.com/test|app\.codesignal\.com|\brecord your answers\b", 0.5),
    ("event", r"\bwebinar\b|\binfo(rmation)? session\b|\bcareer fair\b", 0.5),
    ("admissions or study programme", r"\badmissions?\b|\bbootcamp\b|\bstudy program", 0.5),
    # Not "of course", "in due course", "world-class".
    ("class or course",
     r"(?<!of )(?<!due )\bcourse\b|(?<![-\w])class\b|\blesson\b|\blecture\b", 0.5),
    ("coaching", r"\bcoaching\b|\b(cv|resume) review\b", 0.5),
)
_DESCRIPTION_NAMES = (
    (r"\binterview", 0.3, "description: interview"),
    (r"\b(phone|technical) screen|hiring manager|\b(first|next|final)[- ]stage\b|\bround\b",
     0.2, "description: interview stage"),
    (r"\b(for|about|discuss(ing)?) the\b.{0,50}\b(role|position|vacancy|opening)\b", 0.2,
     "description: names a role"),
)
# A tool's name on a person, or the shared calendar a scheduler sends from (GoodTime sends
# candidate invitations from a "[Company] Candidate Calendar").
_SYSTEM_NAME = re.compile(r"\bvia (greenhouse|lever|ashby|workday|goodtime|modernloop|gem)\b|"
                          r"\b(candidate|interviews?|recruiting) calendar\b", re.I)
_PAIR = re.compile(r"<>|\s[x×&+/]\s|\sand\s|\swith\s", re.I)
_COORDINATOR = re.compile(r"coordinat|schedul|talent acquisition|recruiting (team|ops)|"
                          r"talent team|\binterviews?\b", re.I)




def domain_of(email: str) -> str:
    return email.rpartition("@")[2]


def is_assessment_tool(email: str) -> bool:
    return senders.is_assessment_tool(domain_of(email))


def title_words(title: str) -> tuple[float, list[str]]:
    """Interview words in a title; a casual word ("chat", "round") adds a little."""
    score, evidence = 0.0, []
    for pattern, weight in _TITLE_WORDS:
        if match := re.search(pattern, title, re.I):
            score += weight
            evidence.append(f"title: {match.group(0)}")
    if match := _CASUAL.search(title):
        score += _CASUAL_WEIGHT
        evidence.append(f"casual title: {match.group(0)}")
    return score, evidence


def refusals(event: CalEvent) -> tuple[float, list[str]]:
    """What makes `event` a test, an event, a class or practice rather than an interview."""
    penalty, evidence = 0.0, []
    for kind, pattern, weight in _REFUSE_TITLE:
        if match := re.search(pattern, event.summary, re.I):
            penalty += weight
            evidence.append(f"not an interview ({kind}): {match.group(0)}")
    for kind, pattern, weight in _REFUSE_TEXT:
        if match := re.search(pattern, event.description, re.I):
            penalty += weight
            evidence.append(f"not an interview ({kind}, description): {match.group(0)}")
    if event.organizer and is_assessment_tool(event.organizer.email):
        penalty += 0.8
        evidence.append(f"organiser is an assessment tool: {event.organizer.email}")
    return penalty, evidence


def description_words(description: str) -> tuple[float, list[str]]:
    """The description naming the interview while the title may not (at most 0.3)."""
    score, evidence = 0.0, []
    for pattern, weight, reason in _DESCRIPTION_NAMES:
        if re.search(pattern, description, re.I | re.S):
            score += weight
            evidence.append(reason)
    return min(score, 0.3), evidence


def recruiting_system(event: CalEvent) -> str:
    """The ATS or scheduler behind `event` (organiser, an attendee, its display name or the
    UID it minted), or ''. Assessment tools are not counted here but refused."""
    people = [event.organizer] if event.organizer else []
    people += list(event.attendees)
    for person in people:
        if senders.is_relay(domain_of(person.email)) and not is_assessment_tool(person.email):
            return person.email
        if _SYSTEM_NAME.search(person.name):
            return person.name
    uid_domain = event.uid.rpartition("@")[2].lower()
    if ("@" in event.uid and senders.is_relay(uid_domain)
            and not senders.is_assessment_tool(uid_domain)):
        return f"UID from {uid_domain}"
    return ""


def user_names(event: CalEvent, user: frozenset[str]) -> set[str]:
    """The user's names as an invitation writes them: their CN, or 'sam seeker' from the
    address 'sam.seeker@...', and each first name."""
    names = set()
    people = [*event.attendees, *([event.organizer] if event.organizer else [])]
    for person in people:
        if person.email in user and person.name:
            names.add(fold_accents(_display(person.name)))
    for address in user:
        local = re.sub(r"\d+", "", address.partition("@")[0])
        parts = [p for p in re.split(r"[._-]", local) if len(p) >= 2]
        if parts:
            names.add(" ".join(parts))
    return names | {n.split()[0] for n in names if n.split()}


def pairs_user(event: CalEvent, user: frozenset[str]) -> str:
    """The other person when the title pairs the user with someone ("Ana Ortiz and Sam
    Seeker", "Sam <> Ravi", "Coffee chat: Sam & Priti"), or ''."""
    title = fold_accents(event.summary)
    if not any(_has_word(title, name) for name in user_names(event, user)):
        return ""
    for person in event.attendees + ((event.organizer,) if event.organizer else ()):
        if person.email not in user and _a_person(person.email) and named_in(
                person, event.summary):
            return person.name or person.email
    return "someone" if _PAIR.search(event.summary) else ""


def _a_person(email: str) -> bool:
    """Not a tool, a list or a shared mailbox: their names ("Cobalt Interviews") are not
    someone the user meets."""
    return not (senders.is_relay(domain_of(email)) or senders.is_role_mailbox(email)
                or senders.is_noreply(email))


def _display(name: str) -> str:
    """'Hale, Megan' -> 'Megan Hale'; 'Jade Wu (Recruiting Coordinator)' -> 'Jade Wu'."""
    name = re.sub(r"\(.*?\)", "", name.strip().strip('"')).strip()
    if "," in name:
        last, _, first = name.partition(",")
        name = f"{first.strip()} {last.strip()}"
    return re.sub(r"\b(dr|prof|mr|mrs|ms)\.?\s+", "", name, flags=re.I).strip()


def _names(person: Attendee) -> list[str]:
    """Full name and first name (folded), when the person has a display name."""
    full = fold_accents(_display(person.name)) if "@" not in person.name else ""
    words = full.split()
    found = [full] if len(words) >= 2 else []
    if words and len(words[0]) >= 3:
        found.append(words[0])
    return found


def _has_word(text: str, word: str) -> bool:
    return bool(word) and _word_pattern(word).search(text) is not None


# Patterns made from people's names: compiled once each. Left to re's own cache of 512,
# they were compiled again every cycle once a mailbox knows more names than that.
@lru_cache(maxsize=4096)
def _word_pattern(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(word)}(?!\w)")


@lru_cache(maxsize=4096)
def _participant_pattern(name: str) -> re.Pattern[str]:
    name = re.escape(name)
    return re.compile(rf"\b(with|meet|meeting|and)\s+{name}(?!\w)|(?<!\w){name}\s*\(|"
                      rf"interviewers?\s*[:-][^\n]*(?<!\w){name}(?!\w)|"
                      rf"(?<!\w){name}\s+(will|is going to)\s+(lead|interview|join|meet|run)")


def named_in(person: Attendee, title: str) -> bool:
    """`person` appears in the title by full or first name."""
    folded = fold_accents(title)
    return any(_has_word(folded, name) for name in _names(person))


def named_as_participant(person: Attendee, description: str) -> bool:
    """`person` is named in the description as one who takes part: "with Ana Ortiz",
    "Interviewer: Ana", "Ana Ortiz (Design Lead)", "Ana will lead", "meet Ana". A mention
    such as "ask for Priya at reception" is not taking part."""
    text = fold_accents(description)
    return any(_participant_pattern(name).search(text) for name in _names(person))


def coordinator_like(person: Attendee) -> bool:
    """A scheduling or coordinating address or title: 'Jade Wu (Recruiting Coordinator)',
    scheduling@..., interviews@..., 'Talent Team'."""
    return bool(_COORDINATOR.search(person.name) or
                _COORDINATOR.search(person.email.partition("@")[0].replace(".", " ")))


def linked_mail_evidence(categories: Iterable[str]) -> tuple[float, list[str]]:
    """An invitation mail in the same thread, or carrying the invite, that the classifier
    read as an interview invitation or a next round."""
    wanted = sorted({c for c in categories if c in ("interview_invite", "next_round")})
    return (0.4, [f"invitation mail: {', '.join(wanted)}"]) if wanted else (0.0, [])
