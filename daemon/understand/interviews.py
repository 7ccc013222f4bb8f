"""Interviews from calendar events and invites, who the employer is, and which mail is theirs.

Pure functions over parsed events and mail. Matching mail to an employer goes by thread,
then invite UID, then people and domain, then the company's name (relays such as
greenhouse.io write for the employer, so their domain says nothing: DESIGN.md section 3).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping

from radiosilence.model import Address, Attendee, CalEvent, Interview, Mail
from radiosilence.understand import invite_signals as signals
from radiosilence.understand import senders

_SKIP_CUTYPES = frozenset({"ROOM", "RESOURCE", "GROUP", "UNKNOWN"})
_NAME_SUFFIX = re.compile(
    r"\s*(\(.*\)|via .*|talent acquisition|talent( team)?|recruiting( team)?|recruitment|"
    r"careers|hiring( team)?|people( team)?|hr|team|jobs|notifications?)\s*$", re.I)
_ROLE = re.compile(
    r"\b((?:(?:Senior|Junior|Staff|Principal|Lead|Head of|Sr\.?|Jr\.?)\s+)?"
    r"(?:[A-Z][\w+#./&-]*\s+){0,3}"
    r"(?:Engineer|Developer|Designer|Analyst|Manager|Scientist|Architect|Consultant|"
    r"Specialist|Administrator|Researcher|Director|Intern|Associate|Coordinator|"
    r"Recruiter|Writer|Marketer|Accountant|Strategist))\b")


def interview_id(uid: str, recurrence_id: str = "") -> str:
    digest = hashlib.sha1(f"{uid}|{recurrence_id}".encode()).hexdigest()
    return f"iv-{digest[:8]}"


def merge_events(events: Iterable[CalEvent]) -> list[CalEvent]:
    """One event per (UID, RECURRENCE-ID): the highest SEQUENCE wins (RFC 5546 2.1.4).

    At equal SEQUENCE a cancellation wins (it cannot be older than what it cancels) and a
    calendar copy beats a mail copy (the calendar holds the user's own view).
    """
    best: dict[tuple[str, str], CalEvent] = {}
    for event in events:
        key = (event.uid, event.recurrence_id)
        current = best.get(key)
        if current is None or _rank(event) > _rank(current):
            best[key] = event
    return sorted(best.values(), key=lambda e: (e.start, e.uid))


def _rank(event: CalEvent) -> tuple[int, int, int]:
    return (event.sequence, int(event.cancelled), int(event.source == "calendar"))


def score_event(event: CalEvent, user: frozenset[str], *,
                mail_categories: Iterable[str] = ()) -> tuple[float, tuple[str, ...]]:
    """How much `event` looks like a job interview (0..1), with the reasons.

    `mail_categories` are the classifier's labels of the mail linked to the event (its
    thread, or mail carrying its UID): an interview invitation there raises the score.
    """
    score, evidence = signals.title_words(event.summary)
    penalty, refused = signals.refusals(event)
    score -= penalty
    evidence += refused
    words, said = signals.description_words(event.description)
    score += words
    evidence += said
    if system := signals.recruiting_system(event):
        score += 0.4
        evidence.append(f"organised through a recruiting system: {system}")
    if other := signals.pairs_user(event, user):
        score += 0.3
        evidence.append(f"title pairs the user with {other}")
    people, because = _people_score(event, user)
    score += people
    evidence += because
    if role := find_role([event.summary]):
        score += 0.3  # a job title in the event's name: "Oakmere - Product Designer - ..."
        evidence.append(f"job title: {role}")
    if event.conference_url:
        score += 0.1
        evidence.append("video meeting link")
    if event.source == "mail" and event.organizer and event.organizer.email not in user:
        score += 0.1
        evidence.append("invited by mail")
    linked, mailed = signals.linked_mail_evidence(mail_categories)
    score += linked
    evidence += mailed
    return max(0.0, min(1.0, score)), tuple(evidence)


def _people_score(event: CalEvent, user: frozenset[str]) -> tuple[float, list[str]]:
    """Someone from an employer's domain raises the score; nobody from outside, or only
    the user's own colleagues, lowers it."""
    user_domains = {address.rpartition("@")[2] for address in user}
    external = [p for p in _people(event) if p.email not in user
                and senders.is_company_domain(p.email.rpartition("@")[2])
                and p.email.rpartition("@")[2] not in user_domains]
    score, evidence = (0.2, ["external attendees"]) if external else (
        -0.3, ["no one from outside"])
    if colleagues := _internal(event, user):
        # Everyone works where the user works: a meeting of theirs (perhaps the user
        # interviewing someone else), not the user's own job interview.
        score -= 0.6
        evidence.append(f"internal meeting: everyone is at {colleagues}")
    return score, evidence


def _internal(event: CalEvent, user: frozenset[str]) -> str:
    """The user's company domain when every other person in `event` shares it, else ''."""
    own = {_registered(a.rpartition("@")[2]) for a in user
           if senders.is_company_domain(a.rpartition("@")[2])}
    others = [p.email.rpartition("@")[2] for p in _people(event)
              if p.email not in user and not senders.is_service(p.email.rpartition("@")[2])
              and "resource" not in p.email]
    found = {_registered(d) for d in others}
    return found.pop() if others and len(found) == 1 and found <= own else ""


def _people(event: CalEvent) -> list[Address]:
    found = [a.address for a in event.attendees]
    if event.organizer:
        found.append(event.organizer.address)
    return found


def interviewers(event: CalEvent, user: frozenset[str]) -> tuple[Address, ...]:
    """The people to thank: attendees minus the user, rooms, groups, tools, coordinators
    and a declined or for-information attendee; the organiser when they take part.

    A coordinator (a scheduling address, "Recruiting Coordinator") counts only when the
    title or description names them as taking part.
    """
    organizer = event.organizer.email if event.organizer else ""
    chosen = [a for a in event.attendees if a.email != organizer and _takes_part(a, event, user)]
    if event.organizer and _organiser_interviews(event, user, bool(chosen)):
        chosen.append(event.organizer)
    unique: dict[str, Address] = {}
    for attendee in chosen:
        unique.setdefault(attendee.email, attendee.address)
    return tuple(unique.values())


def _takes_part(attendee: Attendee, event: CalEvent, user: frozenset[str]) -> bool:
    if attendee.partstat == "DECLINED" or attendee.role == "NON-PARTICIPANT":
        return False  # RFC 5545 3.2.16: a non-participant is copied for information only
    if not _is_person(attendee.email, attendee.cutype, user):
        return False
    return not signals.coordinator_like(attendee) or _named(attendee, event)


def _organiser_interviews(event: CalEvent, user: frozenset[str], others: bool) -> bool:
    """The organiser is thanked when named in the title or description as taking part
    ("Chat with Dana Whitfield", Calendly's "Ana Ortiz and Sam Seeker"), or when nobody
    else from the employer is invited. PARTSTAT=ACCEPTED alone proves nothing: Google
    Calendar lists every organiser as an accepted attendee."""
    organizer = event.organizer
    if organizer is None or not _is_person(organizer.email, organizer.cutype, user):
        return False
    entry = next((a for a in event.attendees if a.email == organizer.email), None)
    if entry and (entry.partstat == "DECLINED" or entry.role == "NON-PARTICIPANT"):
        return False
    person = entry if entry and entry.name else organizer
    if _named(person, event):
        return True
    return not others and not signals.coordinator_like(person)


def _named(person: Attendee, event: CalEvent) -> bool:
    return signals.named_in(person, event.summary) or signals.named_as_participant(
        person, event.description)


def _is_person(email: str, cutype: str, user: frozenset[str]) -> bool:
    domain = email.rpartition("@")[2]
    return (email not in user and cutype.upper() not in _SKIP_CUTYPES
            and not senders.is_relay(domain) and not senders.is_service(domain)
            and not senders.is_noreply(email) and not senders.is_role_mailbox(email)
            and "resource" not in domain)


def find_interviews(events: Iterable[CalEvent], mails: Iterable[Mail], user: frozenset[str],
                    threshold: float, overrides: Mapping[str, str],
                    thread_of: Mapping[str, str],
                    label_of: Callable[[Mail], str | None] | None = None) -> list[Interview]:
    """The interviews among `events` (merged by UID), with employer and role identified.

    `overrides` maps interview ids to 'track' (always an interview) or 'ignore' (never).
    `label_of` gives a mail's category; with it, an invitation mail in the invite's thread
    (or carrying its UID) counts as evidence.
    """
    mails = list(mails)
    invite_mails: dict[str, list[Mail]] = defaultdict(list)
    by_thread: dict[str, list[Mail]] = defaultdict(list)
    for mail in mails:
        by_thread[thread_of.get(mail.id, mail.id)].append(mail)
        for invite in mail.invites:
            invite_mails[invite.uid].append(mail)
    found = []
    for event in merge_events(events):
        ident = interview_id(event.uid, event.recurrence_id)
        if overrides.get(ident) == "ignore":
            continue
        carriers = invite_mails.get(event.uid, [])
        categories = _linked_categories(carriers, by_thread, thread_of, label_of)
        score, evidence = score_event(event, user, mail_categories=categories)
        if score < threshold and overrides.get(ident) != "track":
            continue
        found.append(_build(ident, event, carriers, user, score, evidence, thread_of))
    return found


def _linked_categories(carriers: list[Mail], by_thread: Mapping[str, list[Mail]],
                       thread_of: Mapping[str, str],
                       label_of: Callable[[Mail], str | None] | None) -> list[str]:
    """Categories of the employer's mail around an invite: the mail carrying it and the
    rest of those threads (the user's own mail says nothing about the employer)."""
    if label_of is None or not carriers:
        return []
    threads = {thread_of.get(m.id, m.id) for m in carriers}
    linked = {m.id: m for t in threads for m in by_thread.get(t, ())} | {m.id: m for m in carriers}
    return [label for m in linked.values() if not m.own and not m.draft
            if (label := label_of(m)) is not None]


def _build(ident: str, event: CalEvent, carriers: list[Mail], user: frozenset[str],
           score: float, evidence: tuple[str, ...], thread_of: Mapping[str, str]) -> Interview:
    company_domain = _company_domain(event, user)
    texts = [event.summary] + [m.subject for m in carriers] + [event.description]
    # Only a relay's display name ("Lumen Labs via Greenhouse") names a company; a person
    # writing from free mail ("Jo Founder" at gmail.com) does not.
    names = [m.sender.name for m in carriers if senders.is_relay(m.sender.domain)
             and not _names_the_tool(m.sender.name, m.sender.domain)]
    names += [name for m in carriers if (name := company_from_signature(m.body))]
    company = _company_name(company_domain, texts, names)
    return Interview(
        id=ident, uid=event.uid, title=event.summary, company=company,
        company_domain=company_domain, role=_without_company(find_role(texts), company),
        start=event.start, end=event.end, cancelled=event.cancelled,
        interviewers=interviewers(event, user),
        organizer=event.organizer.address if event.organizer else None,
        description=event.description, location=event.location,
        conference_url=event.conference_url,
        invite_threads=frozenset(thread_of.get(m.id, m.id) for m in carriers),
        score=score, evidence=evidence,
    )


def _company_domain(event: CalEvent, user: frozenset[str]) -> str:
    user_domains = {address.rpartition("@")[2] for address in user}
    counts = Counter(
        _registered(p.email.rpartition("@")[2]) for p in _people(event)
        if p.email not in user and senders.is_company_domain(p.email.rpartition("@")[2])
        and p.email.rpartition("@")[2] not in user_domains
    )
    return counts.most_common(1)[0][0] if counts else ""


def _registered(domain: str) -> str:
    """'mail.brightloom.example' -> 'brightloom.example' (two labels, three for co.uk)."""
    labels = domain.split(".")
    keep = 3 if len(labels) >= 3 and labels[-2] in {"co", "com", "ac", "org", "net"} else 2
    return ".".join(labels[-keep:])


def _company_name(company_domain: str, texts: list[str], sender_names: list[str]) -> str:
    """The employer's name as people write it: 'Lumen Labs', not 'lumenlabs.example'."""
    if company_domain:
        core = norm_name(senders.company_from_domain(company_domain))
        for text in texts:
            if spelled := _find_spelling(text, core):
                return spelled
        return senders.company_from_domain(company_domain)
    for name in sender_names:
        cleaned = _NAME_SUFFIX.sub("", name).strip(" -,")
        if cleaned:
            return cleaned
    return ""


def _names_the_tool(name: str, domain: str) -> bool:
    """"GoodTime" or "Greenhouse Scheduling" writing from their own domain name themselves."""
    first = norm_name(name.split()[0]) if name.split() else ""
    # "greenhouse-mail.io" is Greenhouse too, hence a prefix rather than equality.
    return len(first) >= 4 and norm_name(senders.company_from_domain(domain)).startswith(first)


_SIGNED = re.compile(
    r"^(?:the\s+)?(?P<a>[A-Z][\w&'.-]*(?:\s+[A-Z][\w&'.-]*){0,3})\s+(?:recruiting|recruitment|"
    r"talent(?:\s+acquisition|\s+team)?|careers|people(?:\s+team)?|hr|hiring\s+team|team)$|"
    r"^(?:[\w/&-]+\s+){0,4}?(?:recruiter|partner|manager|lead|head\s+of\s+talent|coordinator|"
    r"sourcer|director|engineer|officer)(?:,|\s+at|\s+\||\s+-|\s+@)\s+(?P<b>[A-Z][\w&'.-]*"
    r"(?:\s+[A-Z][\w&'.-]*){0,3})$", re.I)
_NOT_A_COMPANY = frozenset({"the", "your", "our", "best", "kind", "hiring", "talent", "people"})


def company_from_signature(body: str) -> str:
    """The company a signature names: "Talent Partner, Lumen Labs", "Lumen Labs Recruiting",
    "The Glasswing team". Read from the last lines of the mail's own text; '' if none."""
    text = body.split("\n>", 1)[0]
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()][-6:]
    for line in reversed(lines):
        if match := _SIGNED.match(line.strip(" -|")):
            name = (match.group("a") or match.group("b") or "").strip(" .")
            if name and name.split()[0].lower() not in _NOT_A_COMPANY and name[0].isupper():
                return name
    return ""


def _find_spelling(text: str, core: str) -> str:
    words = re.findall(r"[\w&'.-]+", text)
    for size in (1, 2, 3):
        for start in range(len(words) - size + 1):
            phrase = " ".join(words[start:start + size]).strip(".")
            if norm_name(phrase) == core:
                return phrase
    return ""


def norm_name(text: str) -> str:
    """A name reduced for comparing: 'Lumen Labs' and 'lumenlabs' are the same."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _without_company(role: str, company: str) -> str:
    """'Glasswing Solutions Engineer' -> 'Solutions Engineer' when the company is Glasswing."""
    if company and role.lower().startswith(company.lower() + " "):
        return role[len(company):].strip()
    return role


def company_key(interview: Interview) -> str:
    return interview.company_domain or norm_name(interview.company) or interview.id


def find_role(texts: Iterable[str]) -> str:
    """The job title named in a title, subject or description, or ''."""
    for text in texts:
        for line in text.splitlines():
            if match := _ROLE.search(line):
                return match.group(1).strip()
    return ""
