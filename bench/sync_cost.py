"""What syncing costs Google: our connectors against a naive scan, on a generated account.

    python bench/sync_cost.py [--json] [--messages 20000]

Seeds the loopback emulator (tests/google_emulator) with a mailbox of --messages messages,
about 300 of them recruiting mail in about 40 conversations, and a calendar of about 2,000
events, 60 of them interviews. Then measures requests, quota units, messages fetched, wall
time and memory for the first scan, an idle cycle and a cycle after 10 new messages; and the
same first scan done naively (list every message in the window, get each one).
Prints figures; asserts nothing. Targets: idle cycle <= 2 requests, first scan fetches at
most 1.1x the relevant messages, and costs at most 1/20 of the naive scan's quota.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.google_emulator

from radiosilence.connectors.google.api import Caller, GoogleConfig, build_service  # noqa: E402
from radiosilence.connectors.google.calendar import GoogleCalendarSource  # noqa: E402
from radiosilence.connectors.google.gmail_source import GmailMailSource  # noqa: E402
from radiosilence.understand import senders  # noqa: E402
from radiosilence.understand.recruiting import RECRUITING_WORDS  # noqa: E402
from tests.google_emulator import Emulator  # noqa: E402

NOW = datetime(2026, 3, 18, 17, 0, tzinfo=UTC)
WINDOW_DAYS = 120
USER = "sam@example.net"
WORDS = ("lunch", "photos", "invoice", "newsletter", "weekend", "receipt", "update", "match")


def _raw(sender: str, to: str, subject: str, when: datetime, body: str, msgid: str,
         reply_to: str = "") -> bytes:
    headers = [f"From: {sender}", f"To: {to}", f"Subject: {subject}",
               f"Date: {format_datetime(when)}", f"Message-ID: <{msgid}>", "MIME-Version: 1.0",
               "Content-Type: text/plain; charset=utf-8"]
    if reply_to:
        headers += [f"In-Reply-To: <{reply_to}>", f"References: <{reply_to}>"]
    return ("\r\n".join(headers) + "\r\n\r\n" + body + "\r\n").encode()


def seed(emu: Emulator, total: int, rng: random.Random) -> int:
    """Fill the emulator; return how many messages are recruiting mail in the window."""
    relevant = 0
    for company in range(40):
        domain = f"company{company}.example"
        start = NOW - timedelta(days=rng.randint(5, 100))
        for round_ in range(1 if company >= 20 else 2):
            when = start + timedelta(days=7 * round_, hours=10)
            emu.calendar.add_event("primary", _interview(company, round_, when, domain))
        previous = ""
        for number in range(rng.choice((6, 7, 8, 9))):
            when = start - timedelta(days=3) + timedelta(days=number * 2, hours=number)
            msgid = f"c{company}m{number}@{domain}"
            mine = number % 2 == 1
            subject = f"Interview at Company{company}" if number == 0 else \
                f"Re: Interview at Company{company}"
            sender = USER if mine else f"Rae Recruiter <rae@{domain}>"
            to = f"rae@{domain}" if mine else USER
            labels = ("SENT",) if mine else ("INBOX",)
            body = "Thanks, that works for me." if mine else "Thank you for your time."
            emu.gmail.add_message(_raw(sender, to, subject, when, body, msgid, previous),
                                  labels=labels, internal_date=when)
            previous = msgid
            relevant += 1
    for event in range(1940):
        when = NOW - timedelta(days=rng.randint(0, 200), hours=rng.randint(0, 23))
        emu.calendar.add_event("primary", {
            "id": f"personal{event}", "iCalUID": f"personal{event}@example.net",
            "status": "confirmed", "summary": rng.choice(("Dentist", "Gym", "Team sync")),
            "start": {"dateTime": when.isoformat()},
            "end": {"dateTime": (when + timedelta(hours=1)).isoformat()},
            "updated": when.isoformat(),
        })
    for number in range(total - relevant):
        when = NOW - timedelta(days=rng.uniform(0, 200))
        word = rng.choice(WORDS)
        emu.gmail.add_message(
            _raw(f"friend{number % 500}@example.org", USER, f"{word.title()} {number}", when,
                 f"About the {word}. " * 10, f"noise{number}@example.org"),
            internal_date=when)
    return relevant


def _interview(company: int, round_: int, when: datetime, domain: str) -> dict[str, Any]:
    return {
        "id": f"iv{company}r{round_}", "iCalUID": f"iv{company}r{round_}@{domain}",
        "status": "confirmed", "summary": f"Interview: Sam <> Company{company}",
        "start": {"dateTime": when.isoformat()},
        "end": {"dateTime": (when + timedelta(hours=1)).isoformat()},
        "organizer": {"email": f"rae@{domain}"},
        "attendees": [{"email": f"ivy@{domain}"}, {"email": USER, "self": True}],
        "updated": when.isoformat(),
    }


class Run:
    """One measured phase: requests, quota and messages fetched from the emulator's counters."""

    def __init__(self, emu: Emulator, label: str) -> None:
        self.emu, self.label = emu, label

    def __enter__(self) -> Run:
        self.emu.reset_counters()
        tracemalloc.start()
        self.began = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.began
        self.peak_mib = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        counts = self.emu.counts
        self.requests = sum(n for method, n in counts.items() if method != "batch")
        self.http_requests = sum(n for method, n in counts.items()
                                 if method == "batch" or "batch" not in method)
        self.quota = self.emu.total_quota()
        self.fetched = counts.get("gmail.users.messages.get", 0)

    def row(self) -> str:
        return (f"{self.label:<34} {self.requests:>7} {self.quota:>8} {self.fetched:>8} "
                f"{self.seconds:>8.2f} {self.peak_mib:>8.1f}")


def naive_first_scan(gmail: Any, caller: Caller, batch_uri: str) -> None:
    """List every message in the window, then get each one (batched, to be fair to it)."""
    after = (NOW - timedelta(days=WINDOW_DAYS)).strftime("%Y/%m/%d")
    ids, token = [], None
    while True:
        page = caller.call(gmail.users().messages().list(
            userId="me", q=f"after:{after}", maxResults=500, pageToken=token),
            "gmail.users.messages.list")
        ids += [m["id"] for m in page.get("messages", [])]
        token = page.get("nextPageToken")
        if not token:
            break
    requests = [(i, gmail.users().messages().get(userId="me", id=i, format="raw")) for i in ids]
    caller.batch(gmail, batch_uri, "gmail.users.messages.get", requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--json", action="store_true", help="one JSON object with the key figures")
    args = parser.parse_args()
    rng = random.Random(7)
    with Emulator(history_window=100000) as emu:
        base = str(emu.base_url)
        relevant = seed(emu, args.messages, rng)
        config = GoogleConfig(endpoint=base, anonymous=True, token_file=Path("/dev/null"),
                              quota_per_minute=10**9)
        caller = Caller(config)
        from google.auth.credentials import AnonymousCredentials

        gmail = build_service("gmail", "v1", config, AnonymousCredentials())
        calendar = build_service("calendar", "v3", config, AnonymousCredentials())
        batch_uri = base.rstrip("/") + "/batch/gmail/v1"
        domains: list[str] = []
        cal = GoogleCalendarSource(calendar, caller, ["primary"], WINDOW_DAYS, lambda: NOW)
        mail = GmailMailSource(gmail, caller, batch_uri, WINDOW_DAYS, lambda: domains,
                               search_words=RECRUITING_WORDS,
                               relay_domains=senders.RELAY_DOMAINS,
                               max_bytes=25 * 2**20, clock=lambda: NOW)
        rows = []
        with Run(emu, "ours: first scan") as first:
            cal_changes = cal.changes(None)
            from radiosilence.parse.calendar import parse_calendar

            for item in cal_changes.items:
                for event in parse_calendar(item.data, source="calendar", source_ref=item.ref,
                                            default_tz=UTC):
                    domains += [a.email.rpartition("@")[2] for a in event.attendees
                                if not a.email.endswith("example.net")]
            mail_changes = mail.changes(None)
        rows.append(first)
        with Run(emu, "ours: idle cycle") as idle:
            cal.changes(cal_changes.cursor)
            mail.changes(mail_changes.cursor)
        rows.append(idle)
        for number in range(10):
            emu.gmail.add_message(_raw(f"friend{number}@example.org", USER, "Hello", NOW,
                                       "Hi!", f"late{number}@example.org"), internal_date=NOW)
        with Run(emu, "ours: after 10 new messages") as later:
            cal.changes(cal_changes.cursor)
            mail.changes(mail_changes.cursor)
        rows.append(later)
        with Run(emu, "naive: first scan") as naive:
            naive_first_scan(gmail, caller, batch_uri)
        rows.append(naive)
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.json:
        print(json.dumps({
            "idle_cycle_requests": idle.requests,
            "first_scan_messages_fetched": first.fetched,
            "relevant_messages": relevant,
            "first_scan_quota_units": first.quota,
            "naive_first_scan_quota_units": naive.quota,
        }))
        return
    print(f"{args.messages} messages ({relevant} recruiting mail in the window), "
          f"2,000 events; emulator in-process")
    print(f"{'phase':<34} {'calls':>7} {'quota':>8} {'fetched':>8} {'seconds':>8} "
          f"{'peak MiB':>8}")
    for run in rows:
        print(run.row())
    print(f"first scan fetched {first.fetched / relevant:.2f}x the relevant messages; quota "
          f"{first.quota} vs naive {naive.quota} (1/{naive.quota / max(first.quota, 1):.0f}); "
          f"process peak RSS {peak_rss:.0f} MiB (emulator included)")


if __name__ == "__main__":
    main()
