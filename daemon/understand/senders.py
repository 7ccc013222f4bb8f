"""Who is who among mail domains: relays that speak for an employer, boards, free mail.

Recruiting mail mostly arrives through applicant-tracking relays, not from the employer's
own domain, so a sender's domain alone rarely names the company (DESIGN.md section 6).
"""

from __future__ import annotations

import re
from functools import lru_cache

# Applicant-tracking systems: they send on behalf of the employer.
ATS_DOMAINS = frozenset({
    "greenhouse.io", "greenhouse-mail.io", "lever.co", "ashbyhq.com", "myworkday.com",
    "myworkdayjobs.com", "smartrecruiters.com", "icims.com", "jobvite.com", "workable.com",
    "workablemail.com", "bamboohr.com", "taleo.net", "successfactors.com", "recruitee.com",
    "breezy.hr", "jazzhr.com", "applytojob.com", "teamtailor.com", "personio.com",
    "rippling.com", "ukg.com", "dayforcehcm.com", "avature.net", "eightfold.ai", "gem.com",
    "dover.com", "comeet.com", "join.com",
})

# Schedulers book interviews for the employer (Karat's interviewers hold live ones).
SCHEDULER_DOMAINS = frozenset({"calendly.com", "goodtime.io", "modernloop.io", "karat.io"})
# Assessment tools relay for an employer too, but what they send is a test, not a meeting.
ASSESSMENT_DOMAINS = frozenset({
    "hackerrank.com", "codesignal.com", "codility.com", "hirevue.com", "testgorilla.com",
})

# Job boards send alerts and newsletters; they are never the employer.
JOB_BOARD_DOMAINS = frozenset({
    "linkedin.com", "indeed.com", "indeedemail.com", "wellfound.com", "glassdoor.com",
    "ziprecruiter.com", "monster.com", "stepstone.de", "xing.com",
})

# Personal mail providers: a gmail.com address says nothing about a company.
FREEMAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
    "yahoo.com", "ymail.com", "icloud.com", "me.com", "mac.com", "aol.com", "proton.me",
    "protonmail.com", "gmx.de", "gmx.net", "gmx.com", "web.de", "mail.com", "fastmail.com",
    "zoho.com", "yandex.com", "yandex.ru", "hey.com", "tutanota.com", "posteo.de",
})

# Video-call services: their addresses appear in invites but are nobody.
SERVICE_DOMAINS = frozenset({
    "zoom.us", "teams.microsoft.com", "meet.google.com", "calendar.google.com",
    "resource.calendar.google.com", "group.calendar.google.com", "webex.com",
})

_NOREPLY = re.compile(r"^(no-?reply|do-?not-?reply|donotreply|notifications?|mailer-daemon|"
                      r"postmaster|bounces?|jobs-noreply|alerts?)([+._-].*)?@", re.I)


@lru_cache(maxsize=4096)  # a first scan asks for every message; a mailbox has few domains
def _matches(domain: str, table: frozenset[str]) -> bool:
    """True when `domain` is a table entry or a subdomain of one (us.greenhouse-mail.io)."""
    labels = domain.lower().split(".")
    # Look up each parent domain in the set: a few lookups, whatever the table's size.
    return any(".".join(labels[i:]) in table for i in range(len(labels) - 1))


# Everyone who writes on an employer's behalf: what the Gmail search asks for by sender.
RELAY_DOMAINS = ATS_DOMAINS | SCHEDULER_DOMAINS | ASSESSMENT_DOMAINS


def is_relay(domain: str) -> bool:
    """An ATS, scheduler or assessment tool that writes on the employer's behalf."""
    return _matches(domain, RELAY_DOMAINS)


def is_scheduler(domain: str) -> bool:
    return _matches(domain, SCHEDULER_DOMAINS)


def is_assessment_tool(domain: str) -> bool:
    return _matches(domain, ASSESSMENT_DOMAINS)


def is_job_board(domain: str) -> bool:
    return _matches(domain, JOB_BOARD_DOMAINS)


def is_freemail(domain: str) -> bool:
    return _matches(domain, FREEMAIL_DOMAINS)


def is_service(domain: str) -> bool:
    return _matches(domain, SERVICE_DOMAINS) or domain.startswith("resource.")


def is_noreply(email: str) -> bool:
    return bool(_NOREPLY.match(email))


# Words in the local part of a shared mailbox: a list or a role, nobody to thank by name.
_ROLE_WORDS = frozenset({
    "interview", "interviews", "interviewing", "panel", "team", "group", "all", "staff",
    "hiring", "recruiting", "recruitment", "talent", "careers", "jobs", "hr", "people",
    "info", "admin", "office", "contact", "hello", "support", "list", "everyone",
})


def is_role_mailbox(email: str) -> bool:
    """A shared or list address (interview-panel@, hiring-team@, careers@).

    Calendar invites mark groups with CUTYPE=GROUP, but Google Calendar's API has no such
    flag: a group invited there arrives as an ordinary attendee, so its address must tell.
    """
    local = email.partition("@")[0].lower()
    return any(word in _ROLE_WORDS for word in re.split(r"[-._+]", local))


def is_company_domain(domain: str) -> bool:
    """A domain that can stand for an employer: not a relay, board, free mail or service."""
    return bool(domain) and not (
        is_relay(domain) or is_job_board(domain) or is_freemail(domain) or is_service(domain)
    )


def company_from_domain(domain: str) -> str:
    """A readable company name from its domain: 'careers.brightloom.example' -> 'Brightloom'."""
    labels = [label for label in domain.lower().split(".") if label]
    if len(labels) >= 2:
        labels = labels[:-1]  # drop the top-level domain
    # Mail often comes from a subdomain (mail., careers., hr., jobs.): take the last label
    # before the TLD, skipping second-level registries like co.uk.
    core = labels[-1] if labels else domain
    if core in {"co", "com", "ac", "org", "net", "gov"} and len(labels) >= 2:
        core = labels[-2]
    return core.replace("-", " ").title()
