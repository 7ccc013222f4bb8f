"""Calendar dates as people write them in mail, in the languages out-of-office notes use.

"Friday", "14 March", "March 14th", "the 20th", "Montag, dem 7. April", "21 mars", "28 de
marzo de 2026", "24.03.2025", "03/23/2026", "2025-03-17", "3月23日", "tomorrow". `DATE` is the
regular expression that finds them and `parse_date` turns one into a `date` near the day the
mail was written. The words themselves live in `date_words`. Pure.

Slashed dates are read in the writer's order: month first in English and in Chinese,
Japanese and Korean mail, day first elsewhere; a reading that cannot be a date, or that lands
far from the message date while the other does not, gives way to the other. Dotted dates
("23.03.") are always day first.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta, tzinfo
from email.utils import parsedate_to_datetime

from radiosilence.parse.date_words import (
    DATE_ARTICLES,
    ENGLISH,
    MONTH_NAMES,
    NOT_ENGLISH,
    WEEKDAY_NAMES,
)

MONTHS = {name: number for number, names in enumerate(MONTH_NAMES, 1) for name in names}
WEEKDAYS = {name: number for number, names in enumerate(WEEKDAY_NAMES) for name in names}
_LATIN_WEEKDAYS = {name: n for name, n in WEEKDAYS.items() if name.isascii()}
_OTHER_WEEKDAYS = {name: n for name, n in WEEKDAYS.items() if not name.isascii()}


def _fold_table() -> dict[int, str]:
    table = {}
    for code in range(0xC0, 0x250):
        bare = "".join(c for c in unicodedata.normalize("NFKD", chr(code))
                       if not unicodedata.combining(c))
        if len(bare) == 1 and bare != chr(code):
            table[code] = bare
    table.update({ord("ø"): "o", ord("Ø"): "O", ord("ł"): "l", ord("Ł"): "L", ord("ı"): "i",
                  ord("º"): "o", ord("ª"): "a"})
    # Full-width digits and separators, as Chinese and Japanese mail often types them.
    table.update({0xFF10 + digit: str(digit) for digit in range(10)})
    table.update({ord("／"): "/", ord("．"): ".", ord("－"): "-"})
    return table


_FOLD = _fold_table()
_FOLD_CHARS = {chr(code): bare for code, bare in _FOLD.items()}
# `str.translate` looks every character of a non-ASCII text up in the table, a slow path;
# replacing only the characters the table holds gives the same text several times sooner.
_FOLDABLE = re.compile("[" + "".join(re.escape(char) for char in sorted(_FOLD_CHARS)) + "]")


def fold_accents(text: str) -> str:
    """Lower case without accents ("März" -> "marz", "lunedì" -> "lunedi"), one character
    for one, so that positions in the folded text are positions in the original."""
    if text.isascii():  # the table maps no ASCII character
        return text.lower()
    return _FOLDABLE.sub(_fold_match, text).lower()


def _fold_match(match: re.Match[str]) -> str:
    return _FOLD_CHARS[match.group()]


def _alternatives(names: dict[str, int] | tuple[str, ...]) -> str:
    return "|".join(sorted({re.escape(n) for n in names}, key=len, reverse=True))


MONTH = rf"(?:{_alternatives(MONTHS)})\.?"
WEEKDAY = rf"(?:{_alternatives(_LATIN_WEEKDAYS)})"
_ARTICLE = rf"(?:{_alternatives(DATE_ARTICLES)})"
_DAY = r"\d{1,2}(?:st|nd|rd|th|er|e|o)?\.?"
_YEAR = r"(?:,?\s+(?:de\s+|del\s+)?\d{4})?"
# 2026年3月23日, 3月23日(月), 3월 23일: no word boundaries between CJK characters.
_CJK_DATE = (r"(?:\d{4}\s*[年년]\s*)?\d{1,2}\s*[月월]\s*\d{1,2}\s*[日号號일]"
             r"(?:\s*[(（][月火水木金土日][)）])?")
# On folded text. The weekday may lead a date ("Monday 17 March", "lundi 12 mai").
DATE = (
    rf"(?:(?:(?:the\s+)?(?:following|coming|this coming|next)\s+)?"
    rf"(?:{WEEKDAY},?\s+(?:{_ARTICLE}\s+)?)?"
    rf"(?:{_DAY}\s*(?:of\s+|de\s+)?{MONTH}{_YEAR}|{MONTH}\s+{_DAY}{_YEAR}|"
    rf"\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}|\d{{1,2}}\.\d{{1,2}}\.(?:\d{{4}}|\d{{2}})?|"
    rf"\d{{1,2}}/\d{{1,2}}(?:/(?:\d{{4}}|\d{{2}}))?|\d{{1,2}}-\d{{1,2}}-(?:\d{{4}}|\d{{2}})|"
    rf"the\s+\d{{1,2}}(?:st|nd|rd|th)|{WEEKDAY}|tomorrow|today)(?![\w/])|"
    rf"{_CJK_DATE}|(?:{_alternatives(_OTHER_WEEKDAYS)}))"
)
_DATE_WORD = re.compile(rf"(?<!\w)(?:{_alternatives(MONTHS)})(?!\w)")
_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")
# The words that tell English from the rest, as whole words: each is a run of word
# characters, so a text holds one wherever one of its runs (`_WORD_RUN`) is that word.
_ENGLISH = frozenset(ENGLISH)
_NOT_ENGLISH = frozenset(NOT_ENGLISH)
_WORD_RUN = re.compile(r"\w+")
_SLASHED_FULL = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(?:\d{4}|\d{2})(?![\d/])")
MAX_TEXT = 20_000  # a promise or an away note is short; beyond this is a pasted document
_PLAUSIBLE = (timedelta(days=-7), timedelta(days=120))  # around the message date


def month_first(folded: str) -> bool:
    """Whether slashed dates in this (folded) text put the month first. The text's own full
    dates say so when one can be read only one way ("from 20/04/2017": day first) and none
    says otherwise; else English (read as American) and Chinese, Japanese or Korean text
    do, the rest of Europe does not."""
    sample = folded[:3000]
    if (stated := _stated_order(sample)) is not None:
        return stated
    if _CJK.search(sample):
        return True
    # Counted over the runs of word characters: the matches of "\b(?:the|and|...)\b",
    # found without trying that alternation at every character.
    runs = _WORD_RUN.findall(sample)
    english = sum(map(_ENGLISH.__contains__, runs))
    return english >= 2 and english > 2 * sum(map(_NOT_ENGLISH.__contains__, runs))


def _stated_order(sample: str) -> bool | None:
    """Month first (True) or day first (False), as the text's slashed full dates that allow
    one reading only agree; None when none does or they disagree (a quoted US timestamp
    under a European note)."""
    if "/" not in sample:
        return None
    orders = {int(first) <= 12 for first, second in _SLASHED_FULL.findall(sample)
              if (int(first) > 12) != (int(second) > 12)}
    return orders.pop() if len(orders) == 1 else None


def parse_date(text: str, after: date, month_first: bool = False) -> date | None:
    """A date as matched by `DATE` (or any plain English one), near `after`.

    A weekday alone means the next one after `after` ("by Friday" said on a Friday is next
    week's); a day and month without a year is the next such date, allowing a month of lag.
    `month_first` is the writer's order for slashed dates (see the module docstring).
    """
    text = fold_accents(text).strip().rstrip(".")
    if text.endswith("tomorrow"):
        return after + timedelta(days=1)
    if text.endswith("today"):
        return after
    if m := re.search(r"(?:(\d{4})\s*[年년]\s*)?(\d{1,2})\s*[月월]\s*(\d{1,2})", text):
        year = int(m.group(1)) if m.group(1) else None
        return _dated(after, int(m.group(2)), int(m.group(3)), year)
    if m := re.search(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", text):
        return _safe(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := re.search(r"\b(\d{1,2})\.(\d{1,2})(?:\.(\d{2,4}))?\b", text):
        return _dated(after, int(m.group(2)), int(m.group(1)), _year(m.group(3)))
    if m := re.search(r"\b(\d{1,2})[/-](\d{1,2})(?:[/-](\d{2,4}))?", text):
        return _either(after, int(m.group(1)), int(m.group(2)), _year(m.group(3)), month_first)
    return _worded(text, after)


def _worded(text: str, after: date) -> date | None:
    day = re.search(r"\b(\d{1,2})(?:st|nd|rd|th|er|e|o)?\b", text)
    month_word = _DATE_WORD.search(text)
    if day and month_word:
        written_year = re.search(r"\b(\d{4})\b", text)
        return _dated(after, MONTHS[month_word.group(0)], int(day.group(1)),
                      int(written_year.group(1)) if written_year else None)
    if day and text.startswith("the"):
        return _next_day_of_month(after, int(day.group(1)))
    weekday = next((number for name, number in _LATIN_WEEKDAYS.items()
                    if re.search(rf"\b{re.escape(name)}\b", text)), None)
    if weekday is None:
        weekday = next((n for name, n in _OTHER_WEEKDAYS.items() if name in text), None)
    if weekday is not None:
        ahead = (weekday - after.weekday()) % 7 or 7
        return after + timedelta(days=ahead)
    return None


def _year(written: str | None) -> int | None:
    if written is None:
        return None
    return int(written) + 2000 if len(written) == 2 else int(written)


def _either(after: date, first: int, second: int, year: int | None,
            month_first: bool) -> date | None:
    """03/04: the writer's order unless that reading is impossible or implausible."""
    readings = [(first, second), (second, first)]
    if not month_first:
        readings.reverse()
    dates = [d for month, day in readings if (d := _dated(after, month, day, year))]
    low, high = after + _PLAUSIBLE[0], after + _PLAUSIBLE[1]
    return next((d for d in dates if low <= d <= high), dates[0] if dates else None)


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _dated(after: date, month: int, day: int, year: int | None) -> date | None:
    if year is not None:
        return _safe(year, month, day)
    for candidate_year in (after.year, after.year + 1):
        candidate = _safe(candidate_year, month, day)
        if candidate is None:
            return None
        # A date a little in the past is a typo or late mail, not next year's.
        if candidate >= after - timedelta(days=31):
            return candidate
    return None


def _next_day_of_month(after: date, day: int) -> date | None:
    for shift in (0, 1):
        month_start = (after.replace(day=1) + timedelta(days=32 * shift)).replace(day=1)
        candidate = _safe(month_start.year, month_start.month, day)
        if candidate is not None and candidate >= after:
            return candidate
    return None


def writer_date(moment: datetime, date_header: str, fallback: tzinfo) -> date:
    """The day on the writer's calendar: `moment` (aware) at the offset of the message's own
    Date header, which is the sender's clock ("Fri, 20 Mar 2026 23:30 -0700" is Friday even
    where it is already Saturday in UTC). Without a readable offset, the day in `fallback`."""
    try:
        written = parsedate_to_datetime(date_header) if date_header else None
    except (TypeError, ValueError, IndexError, OverflowError):
        written = None
    if written is not None and written.tzinfo is not None and "-0000" not in date_header:
        return moment.astimezone(written.tzinfo).date()
    return moment.astimezone(fallback).date()


MON_TO_FRI = frozenset(range(5))


def add_business_days(start: date, days: int, holidays: frozenset[date] = frozenset(),
                      weekdays: frozenset[int] = MON_TO_FRI) -> date:
    """`days` business days after `start`: days whose weekday (Monday = 0) is in `weekdays`
    and that are not holidays."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() in weekdays and current not in holidays:
            days -= 1
    return current


def next_business_day(day: date) -> date:
    return add_business_days(day, 1)
