"""Dates people state in mail: "we'll get back to you by Friday", "back on 23 March".

Pure functions of the text and the message's local date. A phrase that names no date
("before the holidays") is reported as vague; a template leftover ("by [DATE]") gives none.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from radiosilence.model import Timeframe

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")
NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
           "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
           "couple of": 2, "a couple of": 2, "few": 3, "a few": 3, "several": 5}

_WD = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_MON = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_NUM = r"(?:\d{1,2}|a couple of|couple of|a few|few|several|an?|one|two|three|four|five|six|" \
       r"seven|eight|nine|ten|eleven|twelve)"
_DATE = (rf"(?:{_WD},?\s+)?(?:(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?(?:\s+of)?\s+{_MON}|"
         rf"{_MON}\s+\d{{1,2}}(?:st|nd|rd|th)?|\d{{4}}-\d{{2}}-\d{{2}}|{_WD}|"
         rf"the\s+\d{{1,2}}(?:st|nd|rd|th))")

# Sentences in which the employer promises news.
_PROMISE = re.compile(
    r"(get back to you|hear back|hear from us|let you know|be in touch|update you|"
    r"come back to you|follow up with you|reach out|circle back|decision|feedback|"
    r"next steps|an update|expect to|aim to|plan to|respond to you|revert)", re.I)
# Sentences that set a task for the candidate: their deadline is not the employer's.
_TASK = re.compile(
    r"(please\s+(reply|respond|confirm|complete|submit|send|return|let us know)|"
    r"(complete|submit|finish|return)\s+(the|your|this)|you (have|will have) \d+|"
    r"(reply|respond|confirm)\s+by|link (expires|is valid))", re.I)

_RELATIVE = re.compile(
    rf"\b(?:within|in|over)\s+(?:the\s+)?(?:next\s+)?(?:(?P<low>\d{{1,2}})\s*(?:-|–|to)\s*)?"
    rf"(?P<n>{_NUM})\s+(?P<biz>business\s+|working\s+)?(?P<unit>day|week|month)s?"
    rf"(?:['’]?s?\s+time)?", re.I)
_BY_DATE = re.compile(rf"\b(?:by|on|before|no later than|until)\s+(?P<when>{_DATE})\b", re.I)
_END_OF = re.compile(
    r"\b(?:by\s+)?(?:the\s+)?end\s+of\s+(?P<which>this|next|the)\s+(?P<unit>week|month)\b", re.I)
_NEXT_WEEK = re.compile(r"\b(?P<part>early|late|later|middle of|mid)?[\s-]*(?P<which>next|this)"
                        r"\s+week\b", re.I)
_VAGUE = re.compile(r"\b(before the holidays|in the coming (days|weeks)|soon|shortly|"
                    r"as soon as (possible|we can)|in due course|in the near future)\b", re.I)
_PLACEHOLDER = re.compile(r"\b(?:by|on|before)\s+[\[{<]+[^\]}>]*[\]}>]+", re.I)

_RETURN = re.compile(
    rf"\b(?:back|return(?:ing)?|in the office)\s+(?:on\s+|from\s+|in the office on\s+)?"
    rf"(?P<back>{_DATE})|\b(?:until|till|through)\s+(?P<until>{_DATE})", re.I)


def employer_timeframe(text: str, sent_on: date) -> Timeframe | None:
    """The first timeframe the employer states for their own next step, or None.

    `sent_on` is the message's date in the user's timezone; relative phrases count from it.
    """
    for sentence in _sentences(text):
        if not _PROMISE.search(sentence) or _TASK.search(sentence):
            continue
        if match := _PLACEHOLDER.search(sentence):
            return Timeframe(phrase=match.group(0), due=None, vague=True)
        found = _find_due(sentence, sent_on)
        if found:
            return found
    return None


def return_date(text: str, sent_on: date) -> date | None:
    """The date an out-of-office says its author is back, or None."""
    for sentence in _sentences(text):
        match = _RETURN.search(sentence)
        if not match:
            continue
        if match.group("back"):
            return parse_date(match.group("back"), sent_on)
        until = parse_date(match.group("until"), sent_on)
        return next_business_day(until) if until else None
    return None


def _find_due(sentence: str, sent_on: date) -> Timeframe | None:
    if match := _RELATIVE.search(sentence):
        return Timeframe(match.group(0).strip(), _relative_due(match, sent_on))
    if match := _END_OF.search(sentence):
        return Timeframe(match.group(0).strip(), _end_of(match, sent_on))
    if match := _BY_DATE.search(sentence):
        due = parse_date(match.group("when"), sent_on)
        if due:
            return Timeframe(match.group(0).strip(), due)
    if match := _NEXT_WEEK.search(sentence):
        return Timeframe(match.group(0).strip(), _week_part(match, sent_on))
    if match := _VAGUE.search(sentence):
        return Timeframe(match.group(0).strip(), None, vague=True)
    return None


def _relative_due(match: re.Match[str], sent_on: date) -> date:
    amount = _number(match.group("n"))
    unit = match.group("unit").lower()
    if match.group("biz"):
        return add_business_days(sent_on, amount if unit == "day" else amount * 5)
    days = {"day": 1, "week": 7, "month": 30}[unit] * amount
    return sent_on + timedelta(days=days)


def _end_of(match: re.Match[str], sent_on: date) -> date:
    if match.group("unit").lower() == "month":
        first_next = (sent_on.replace(day=1) + timedelta(days=32)).replace(day=1)
        if match.group("which").lower() == "next":
            first_next = (first_next + timedelta(days=32)).replace(day=1)
        return first_next - timedelta(days=1)
    friday = sent_on + timedelta(days=(4 - sent_on.weekday()) % 7)
    return friday + timedelta(days=7) if match.group("which").lower() == "next" else friday


def _week_part(match: re.Match[str], sent_on: date) -> date:
    monday = sent_on - timedelta(days=sent_on.weekday())
    if match.group("which").lower() == "next":
        monday += timedelta(days=7)
    part = (match.group("part") or "").lower()
    offset = {"early": 1, "middle of": 2, "mid": 2}.get(part, 4)  # Tue, Wed, else Fri
    return max(monday + timedelta(days=offset), sent_on)


def parse_date(text: str, after: date) -> date | None:
    """A weekday, '23 March', 'March 23rd', 'the 20th' or ISO date, on or after `after`."""
    text = text.lower().strip()
    if m := re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return date.fromisoformat(m.group(0))
        except ValueError:
            return None
    day_match = re.search(r"\b(\d{1,2})(?:st|nd|rd|th)?\b", text)
    month = next((i + 1 for i, name in enumerate(MONTHS) if re.search(rf"\b{name[:3]}", text)),
                 None)
    if day_match and month:
        return _next_calendar_date(after, month, int(day_match.group(1)))
    if day_match and text.startswith("the"):
        return _next_day_of_month(after, int(day_match.group(1)))
    weekday = next((i for i, name in enumerate(WEEKDAYS) if name in text), None)
    if weekday is not None:
        ahead = (weekday - after.weekday()) % 7 or 7  # "by Friday" said on a Friday: next one
        return after + timedelta(days=ahead)
    return None


def _next_calendar_date(after: date, month: int, day: int) -> date | None:
    for year in (after.year, after.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            return None
        # A date a little in the past is a typo or late mail, not next year's.
        if candidate >= after - timedelta(days=31):
            return candidate
    return None


def _next_day_of_month(after: date, day: int) -> date | None:
    for shift in (0, 1):
        month_start = (after.replace(day=1) + timedelta(days=32 * shift)).replace(day=1)
        try:
            candidate = month_start.replace(day=day)
        except ValueError:
            continue
        if candidate >= after:
            return candidate
    return None


def add_business_days(start: date, days: int, holidays: frozenset[date] = frozenset()) -> date:
    """`days` business days (Mon-Fri, minus holidays) after `start`."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in holidays:
            days -= 1
    return current


def next_business_day(day: date) -> date:
    return add_business_days(day, 1)


def _number(word: str) -> int:
    word = word.lower().strip()
    return int(word) if word.isdigit() else NUMBERS.get(word, 1)


def _sentences(text: str) -> list[str]:
    # Mail wraps sentences across lines, so join the lines before splitting on full stops.
    flat = re.sub(r"\s+", " ", text)
    return [s for s in re.split(r"(?<=[.!?])\s+", flat) if s]
