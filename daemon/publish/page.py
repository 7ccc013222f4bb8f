"""The status page: every interview at a glance, each one's story as a timeline, and the
forms through which the person corrects what radiosilence understood.

Rendered after each cycle into static files (`page/index.html`, `page/iv-....html`) from
the Jinja2 templates in `config/templates/page/`, with every value escaped; the feed's
server serves them behind the same secret token. No JavaScript: forms POST to the server
(`server.py`), which checks the form's nonce. A nonce is the time it was issued with an
HMAC over it under a secret kept beside the state (never in a URL), so a page from
another origin that cannot read ours cannot forge one.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2

from radiosilence.fsutil import PRIVATE_FILE, atomic_write, write_if_changed
from radiosilence.model import CLOSED_STATES, Category, InterviewPlan, Mail, State
from radiosilence.plan.policy import Timeline
from radiosilence.plan.slots import moment_text, short_text
from radiosilence.publish.feed import Reminder

NONCE_LIFETIME_SECONDS = 2 * 24 * 3600
# Nonces are issued on the hour, so that a cycle that changes nothing rewrites no page.
NONCE_STEP_SECONDS = 3600
SECRET_FILE = "page-secret"
_OWED_BY_YOU = {State.THANK_YOU_DUE, State.NUDGE_DUE, State.FINAL_DUE, State.IN_CONVERSATION}
_TONES = {State.REJECTED: "closed no", State.OFFER: "closed yes", State.CANCELLED: "closed",
          State.IGNORED: "closed", State.SILENT: "closed", State.NOT_FOLLOWED_UP: "closed"}


# --- nonces ----------------------------------------------------------------------------------

def load_or_create_secret(state_dir: Path) -> bytes:
    path = state_dir / SECRET_FILE
    try:
        found = path.read_text(encoding="ascii").strip()
        if len(found) >= 32:
            return found.encode("ascii")
    except (FileNotFoundError, UnicodeDecodeError):
        pass
    made = secrets.token_urlsafe(32)
    atomic_write(path, (made + "\n").encode("ascii"), mode=PRIVATE_FILE)
    return made.encode("ascii")


def make_nonce(secret: bytes, issued: float | None = None) -> str:
    moment = int(time.time() if issued is None else issued)
    stamp = str(moment - moment % NONCE_STEP_SECONDS)
    return f"{stamp}.{hmac.new(secret, stamp.encode(), hashlib.sha256).hexdigest()[:32]}"


def nonce_ok(secret: bytes, nonce: str, now: float | None = None) -> bool:
    stamp, _, mac = nonce.partition(".")
    if not stamp.isdigit() or not mac:
        return False
    expected = hmac.new(secret, stamp.encode(), hashlib.sha256).hexdigest()[:32]
    age = (time.time() if now is None else now) - int(stamp)
    return hmac.compare_digest(mac, expected) and -60 <= age <= NONCE_LIFETIME_SECONDS


# --- what the page shows ---------------------------------------------------------------------

def draft_text(raw: bytes) -> str:
    """A draft as the person reads it in their mail program: Subject, then the text."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    try:
        body = message.get_body(("plain",))
        text = body.get_content() if body is not None else ""
    except (LookupError, ValueError, AttributeError):  # what a person may leave in a draft
        text = ""
    return f"Subject: {message.get('Subject', '')}\n\n{text}".rstrip()


@dataclass(frozen=True)
class Mark:
    """One moment on an interview's timeline."""

    at: datetime
    kind: str  # interview, in, out, deadline, draft, reminder, due, now
    text: str


@dataclass
class PageData:
    """Everything a cycle knows that the page shows."""

    plans: Sequence[InterviewPlan]
    timelines: Mapping[str, Timeline]  # by interview id
    drafts: Mapping[str, str]  # follow-up key -> the draft's text as it stands
    draft_states: Mapping[str, str]  # follow-up key -> drafted, edited, ...
    reminders: Mapping[str, Reminder]
    stale: Sequence[str]  # "delete your draft to ...: ..." lines
    now: datetime
    timezone: ZoneInfo
    notes: Mapping[tuple[str, str], str] = field(default_factory=dict)
    draft_times: Mapping[str, datetime] = field(default_factory=dict)  # key -> written at


def write_pages(folder: Path, data: PageData, templates: jinja2.Environment,
                secret: bytes) -> list[Path]:
    """Render the overview and one page per interview into `folder`; returns the paths."""
    env = _html(templates)
    nonce = make_nonce(secret)
    rows = _rows(data)
    written = [folder / "index.html"]
    _write(written[0], env.get_template("page/overview.html.j2").render(
        rows=rows, questions=_questions(data), stale=data.stale, nonce=nonce,
        zone=getattr(data.timezone, "key", str(data.timezone)),
        now=moment_text(data.now, data.timezone)))
    for row in rows:
        path = folder / f"{row['id']}.html"
        _write(path, env.get_template("page/interview.html.j2").render(
            row=row, story=_story(row["plan"], data), nonce=nonce,
            zone=getattr(data.timezone, "key", str(data.timezone))))
        written.append(path)
    css = templates.loader.get_source(templates, "page/style.css")[0]  # type: ignore[union-attr]
    _write(folder / "style.css", css)
    return written


def _html(templates: jinja2.Environment) -> jinja2.Environment:
    """The same loaders, with HTML autoescaping on: every value is escaped."""
    return templates.overlay(autoescape=True)


def _write(path: Path, text: str) -> None:
    write_if_changed(path, text.encode("utf-8"), mode=PRIVATE_FILE)


def _rows(data: PageData) -> list[dict[str, object]]:
    """Open interviews first (soonest due first), then closed ones."""
    rounds: dict[str, int] = {}
    numbered = {}
    for p in sorted(data.plans, key=lambda p: p.interview.start):
        company = (p.interview.company or p.interview.title).casefold()
        rounds[company] = rounds.get(company, 0) + 1
        numbered[p.interview.id] = rounds[company]
    ordered = ([p for p in data.plans if p.state not in CLOSED_STATES]
               + [p for p in data.plans if p.state in CLOSED_STATES])
    return [_row(p, numbered[p.interview.id], data) for p in ordered]


def _row(p: InterviewPlan, number: int, data: PageData) -> dict[str, object]:
    iv, tz = p.interview, data.timezone
    owed = ("you" if p.state in _OWED_BY_YOU else "-" if p.state in CLOSED_STATES
            or p.state == State.SCHEDULED else "employer")
    return {
        "id": iv.id, "plan": p, "company": iv.company or "?", "role": iv.role or "?",
        "round": f"round {number}", "title": iv.title, "state": str(p.state),
        "tone": _TONES.get(p.state, "todo" if owed == "you" else "waiting"),
        "owed": owed, "next": p.next_action, "when": short_text(iv.start, tz),
        "due": short_text(p.due, tz) if p.due else "", "overdue": bool(p.due and p.due < data.now),
        "people": [a for a in (*iv.interviewers, *([iv.organizer] if iv.organizer else []))],
    }


def _questions(data: PageData) -> list[dict[str, str]]:
    return [{"message_id": q.message_id, "text": q.text[len("check: "):].capitalize(),
             "category": str(q.category), "subject": q.subject, "sender": q.sender,
             "interview": p.interview.company or p.interview.title}
            for p in data.plans for q in p.questions]


def _story(p: InterviewPlan, data: PageData) -> dict[str, object]:
    timeline = data.timelines.get(p.interview.id)
    marks = _marks(p, timeline, data)
    return {
        "marks": marks, "svg": _svg_points(marks, data.now),
        "mails": [_mail_row(m, timeline, data.timezone) for m in timeline.mails]
        if timeline else [],
        "categories": [str(c) for c in Category],
        "followups": [{"key": f.key, "kind": str(f.kind),
                       "to": ", ".join(a.name or a.email for a in f.to),
                       "due": moment_text(f.due, data.timezone),
                       "remind": moment_text(data.reminders[f.key].start, data.timezone)
                       if f.key in data.reminders else "",
                       "draft": data.drafts.get(f.key, ""),
                       "draft_state": data.draft_states.get(f.key, "")} for f in p.followups],
        "notes": {person: text for (ident, person), text in data.notes.items()
                  if ident == p.interview.id},
    }


def _mail_row(mail: Mail, timeline: Timeline | None, tz: ZoneInfo) -> dict[str, str]:
    label = timeline.labels.get(mail.id) if timeline else None
    evidence = "; ".join(label.evidence[:2]) if label else ""
    return {"when": moment_text(mail.date, tz), "who": mail.sender.name or mail.sender.email,
            "subject": mail.subject, "direction": "out" if mail.own else "in",
            "label": str(label.category) if label else ("you" if mail.own else ""),
            "confidence": f"{label.confidence:.2f}" if label else "", "evidence": evidence}


def _marks(p: InterviewPlan, timeline: Timeline | None, data: PageData) -> list[Mark]:
    iv, tz = p.interview, data.timezone
    marks = [Mark(iv.start, "interview", f"interview, {moment_text(iv.start, tz)}")]
    for mail in timeline.mails if timeline else ():
        label = timeline.labels.get(mail.id) if timeline else None
        what = "you wrote" if mail.own else f"{mail.sender.name or mail.sender.email} wrote" \
            + (f" ({label.category})" if label else "")
        marks.append(Mark(mail.date, "out" if mail.own else "in",
                          f"{what}: {mail.subject}, {moment_text(mail.date, tz)}"))
        if label and label.timeframe and label.timeframe.due:
            promised = datetime.combine(label.timeframe.due, datetime.min.time(), tz)
            marks.append(Mark(promised, "deadline", f"their deadline: {label.timeframe.phrase}"))
    for key, at in data.draft_times.items():
        if key.split("/")[1:2] == [iv.id]:
            marks.append(Mark(at, "draft", f"draft written: {key.partition('/')[0]} to "
                                           f"{key.split('/')[2]}, {moment_text(at, tz)}"))
    for f in p.followups:
        if f.key in data.reminders:
            at = data.reminders[f.key].start
            marks.append(Mark(at, "reminder", f"reminder: {data.reminders[f.key].summary}, "
                                              f"{moment_text(at, tz)}"))
    if p.due:
        marks.append(Mark(p.due, "due", f"next due: {p.next_action}, {moment_text(p.due, tz)}"))
    marks.append(Mark(data.now, "now", f"now, {moment_text(data.now, tz)}"))
    return sorted(marks, key=lambda m: m.at)


def _svg_points(marks: list[Mark], now: datetime) -> list[dict[str, object]]:
    """x in 20..780 of an 800-wide drawing, one lane (y) per kind."""
    first = min(m.at for m in marks) - timedelta(days=1)
    last = max(m.at for m in marks) + timedelta(days=1)
    span = (last - first).total_seconds()
    lanes = {"in": 30, "deadline": 30, "reminder": 30, "interview": 60, "due": 60, "now": 60,
             "out": 90, "draft": 90}
    return [{"x": round(20 + 760 * (m.at - first).total_seconds() / span, 1),
             "y": lanes.get(m.kind, 60), "kind": m.kind, "text": m.text} for m in marks]
