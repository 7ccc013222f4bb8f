"""Threads, and which mail belongs to which interview. Pure functions.

A mail belongs to an employer when its thread carries one of their invites, when it is
to or from one of the interview's people or the company's own domain, or when a relay
(an applicant-tracking system) names the company in the sender's name or the subject.
Within one employer, a mail belongs to the latest round that started before it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from radiosilence.model import Address, Interview, Mail, ThreadRef
from radiosilence.understand import senders
from radiosilence.understand.interviews import company_key, norm_name


def thread_ids(mails: Iterable[Mail]) -> dict[str, str]:
    """Map each message id to a thread id, joining messages linked by In-Reply-To,
    References (RFC 5322 3.6.4) or a provider's thread id."""
    parent: dict[str, str] = {}

    def find(item: str) -> str:
        root = item
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(item, item) != root:  # path compression keeps later finds short
            parent[item], item = root, parent[item]
        return root

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    ids = []
    for mail in mails:
        ids.append(mail.id)
        parent.setdefault(mail.id, mail.id)
        for other in (*mail.references, mail.in_reply_to):
            if other:
                parent.setdefault(other, other)
                union(mail.id, other)
        if mail.thread_hint:
            hint = f"thread:{mail.thread_hint}"
            parent.setdefault(hint, hint)
            union(mail.id, hint)
    return {mail_id: find(mail_id) for mail_id in ids}


@dataclass(frozen=True)
class _Employer:
    key: str
    people: frozenset[str]
    domain: str
    name: str  # normalised company name, '' if unknown
    threads: frozenset[str]


def counterparts(mail: Mail) -> list[Address]:
    """The other side of a mail: its recipients when the user wrote it, else the sender."""
    if mail.own:
        return [*mail.to, *mail.cc]
    return [mail.sender, *mail.reply_to]


def link_mails(interviews: list[Interview], mails: Iterable[Mail], thread_of: Mapping[str, str],
               user: frozenset[str]) -> dict[str, list[Mail]]:
    """Map interview ids to their mail, oldest first. Drafts are never part of it."""
    index = _Index(_employers(interviews, user).values())
    by_thread: dict[str, set[str]] = defaultdict(set)
    usable = [m for m in mails if not m.draft]
    for mail in usable:
        thread = thread_of.get(mail.id, mail.id)
        by_thread[thread] |= index.employers_of(mail, thread)
    rounds: dict[str, list[Interview]] = defaultdict(list)
    for interview in sorted(interviews, key=lambda i: i.start):
        rounds[company_key(interview)].append(interview)
    linked: dict[str, list[Mail]] = {i.id: [] for i in interviews}
    for mail in sorted(usable, key=lambda m: (m.date, m.id)):
        for key in by_thread.get(thread_of.get(mail.id, mail.id), ()):
            linked[_round_for(rounds[key], mail).id].append(mail)
    return linked


def _employers(interviews: list[Interview], user: frozenset[str]) -> dict[str, _Employer]:
    grouped: dict[str, list[Interview]] = defaultdict(list)
    for interview in interviews:
        grouped[company_key(interview)].append(interview)
    result = {}
    for key, group in grouped.items():
        people = {a.email for i in group for a in i.interviewers}
        people |= {i.organizer.email for i in group if i.organizer}
        people = {p for p in people if p not in user
                  and not senders.is_relay(p.rpartition("@")[2]) and not senders.is_noreply(p)}
        result[key] = _Employer(
            key=key, people=frozenset(people), domain=group[0].company_domain,
            name=norm_name(group[0].company),
            threads=frozenset(t for i in group for t in i.invite_threads),
        )
    return result


class _Index:
    """Employers looked up by invite thread, person and domain, so that linking costs a few
    lookups per mail rather than a pass over every employer."""

    def __init__(self, employers: Iterable[_Employer]) -> None:
        self.by_thread: dict[str, set[str]] = defaultdict(set)
        self.by_person: dict[str, set[str]] = defaultdict(set)
        self.by_domain: dict[str, set[str]] = defaultdict(set)
        self.names: list[tuple[str, str]] = []
        for employer in employers:
            for thread in employer.threads:
                self.by_thread[thread].add(employer.key)
            for person in employer.people:
                self.by_person[person].add(employer.key)
            if employer.domain:
                self.by_domain[employer.domain].add(employer.key)
            if employer.name:
                self.names.append((employer.name, employer.key))

    def employers_of(self, mail: Mail, thread: str) -> set[str]:
        found = set(self.by_thread.get(thread, ()))
        for address in counterparts(mail):
            domain = address.domain
            if senders.is_job_board(domain):
                return found
            found |= self.by_person.get(address.email, set())
            labels = domain.split(".")
            for i in range(len(labels) - 1):  # the company domain or any subdomain of it
                found |= self.by_domain.get(".".join(labels[i:]), set())
            if senders.is_relay(domain):  # an ATS writing for a company it names
                text = norm_name(address.name) + " " + norm_name(mail.subject)
                found |= {key for name, key in self.names if name in text}
        return found


def _round_for(rounds: list[Interview], mail: Mail) -> Interview:
    """The latest round that started before `mail`; the first round for earlier mail."""
    chosen = rounds[0]
    for interview in rounds:
        if interview.start <= mail.date:
            chosen = interview
    return chosen


def contact_for(interview: Interview, mails: list[Mail], automatic: set[str]) -> Address | None:
    """Whom to nudge: the last person from the employer who wrote, else the organiser,
    else the first interviewer. `automatic` holds ids of auto-replies and bulk mail."""
    for mail in reversed(mails):
        if mail.own or mail.id in automatic:
            continue
        for address in (mail.sender, *mail.reply_to):
            if not senders.is_noreply(address.email) and not senders.is_relay(address.domain):
                return address
    organizer = interview.organizer
    # A shared calendar (GoodTime's "Candidate Calendar" at group.calendar.google.com) is
    # nobody to write to, like a relay.
    if organizer and not senders.is_relay(organizer.domain) and not senders.is_noreply(
        organizer.email
    ) and not senders.is_service(organizer.domain):
        return organizer
    return interview.interviewers[0] if interview.interviewers else None


def thread_with(contact: Address, mails: list[Mail], automatic: set[str]) -> ThreadRef | None:
    """The latest conversation with `contact` to reply into, or None for a new mail."""
    for mail in reversed(mails):
        if mail.id in automatic:
            continue
        people = {a.email for a in (*counterparts(mail), mail.sender)}
        if contact.email in people:
            refs = tuple(r for r in mail.references if r) + (mail.id,)
            return ThreadRef(mail.subject, mail.id, refs, mail.thread_hint)
    return None
