"""Calendar dates as people write them in mail, in the languages out-of-office notes use.

"Friday", "14 March", "March 14th", "the 20th", "Montag, 7. April", "21 mars", "28 de marzo",
"24.03.2025", "2025-03-17", "tomorrow". `DATE` is the regular expression that finds them and
`parse_date` turns one into a `date` on or after the day the mail was written. Pure.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

# Month names by language: English, German, French, Spanish, Dutch, Italian, Swedish, Danish
# and Norwegian, Portuguese, Polish (genitive, as dates use it) and Finnish (partitive).
_MONTH_NAMES: tuple[tuple[str, ...], ...] = (
    ("january", "jan", "januar", "janvier", "enero", "januari", "gennaio", "janeiro",
     "stycznia", "tammikuuta"),
    ("february", "feb", "februar", "fevrier", "febrero", "februari", "febbraio", "fevereiro",
     "lutego", "helmikuuta"),
    ("march", "mar", "marz", "maerz", "mars", "marzo", "maart", "marts", "marco", "marca",
     "maaliskuuta"),
    ("april", "apr", "avril", "abril", "aprile", "kwietnia", "huhtikuuta"),
    ("may", "mai", "mayo", "mei", "maggio", "maj", "maio", "maja", "toukokuuta"),
    ("june", "jun", "juni", "juin", "junio", "giugno", "junho", "czerwca", "kesakuuta"),
    ("july", "jul", "juli", "juillet", "julio", "luglio", "julho", "lipca", "heinakuuta"),
    ("august", "aug", "aout", "agosto", "augustus", "augusti", "sierpnia", "elokuuta"),
    ("september", "sep", "sept", "septembre", "septiembre", "setiembre", "settembre",
     "setembro", "wrzesnia", "syyskuuta"),
    ("october", "oct", "oktober", "octobre", "octubre", "ottobre", "outubro", "pazdziernika",
     "lokakuuta"),
    ("november", "nov", "novembre", "noviembre", "novembro", "listopada", "marraskuuta"),
    ("december", "dec", "dezember", "decembre", "diciembre", "dicembre", "dezembro",
     "grudnia", "joulukuuta"),
)
_WEEKDAY_NAMES: tuple[tuple[str, ...], ...] = (
    ("monday", "montag", "lundi", "lunes", "maandag", "lunedi", "mandag", "mandag",
     "segunda-feira"),
    ("tuesday", "dienstag", "mardi", "martes", "dinsdag", "martedi", "tisdag", "tirsdag",
     "terca-feira"),
    ("wednesday", "mittwoch", "mercredi", "miercoles", "woensdag", "mercoledi", "onsdag",
     "quarta-feira"),
    ("thursday", "donnerstag", "jeudi", "jueves", "donderdag", "giovedi", "torsdag",
     "quinta-feira"),
    ("friday", "freitag", "vendredi", "viernes", "vrijdag", "venerdi", "fredag", "sexta-feira"),
    ("saturday", "samstag", "samedi", "sabado", "zaterdag", "lordag", "sabato"),
    ("sunday", "sonntag", "dimanche", "domingo", "zondag", "domenica", "sondag"),
)
MONTHS = {name: number for number, names in enumerate(_MONTH_NAMES, 1) for name in names}
WEEKDAYS = {name: number for number, names in enumerate(_WEEKDAY_NAMES) for name in names}


def _fold_table() -> dict[int, str]:
    table = {}
    for code in range(0xC0, 0x250):
        bare = "".join(c for c in unicodedata.normalize("NFKD", chr(code))
                       if not unicodedata.combining(c))
        if len(bare) == 1 and bare != chr(code):
            table[code] = bare
    table.update({ord("ø"): "o", ord("Ø"): "O", ord("ł"): "l", ord("Ł"): "L"})
    return table


_FOLD = _fold_table()


def fold(text: str) -> str:
    """Lower case without accents ("März" -> "marz", "lunedì" -> "lunedi"), one character
    for one, so that positions in the folded text are positions in the original."""
    return text.translate(_FOLD).lower()


def _alternatives(names: dict[str, int]) -> str:
    return "|".join(sorted((re.escape(n) for n in names), key=len, reverse=True))


MONTH = rf"(?:{_alternatives(MONTHS)})\.?"
WEEKDAY = rf"(?:{_alternatives(WEEKDAYS)})"
_DAY = r"\d{1,2}(?:st|nd|rd|th|er|e|º)?\.?"
_YEAR = r"(?:,?\s+\d{4})?"
# On folded text. The weekday may lead a date ("Monday 17 March", "lundi 12 mai").
DATE = (
    rf"(?:(?:the\s+)?(?:following|coming|this coming|next)\s+)?"
    rf"(?:{WEEKDAY},?\s+(?:the\s+|den\s+|le\s+|el\s+|il\s+)?)?"
    rf"(?:{_DAY}\s*(?:of\s+|de\s+)?{MONTH}{_YEAR}|{MONTH}\s+{_DAY}{_YEAR}|"
    rf"\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}\.\d{{1,2}}\.(?:\d{{2,4}})?|"
    rf"\d{{1,2}}/\d{{1,2}}/\d{{4}}|the\s+\d{{1,2}}(?:st|nd|rd|th)|{WEEKDAY}|"
    rf"tomorrow|today)(?!\w)"
)
_DATE_WORD = re.compile(rf"\b(?:{_alternatives(MONTHS)})\b")


def parse_date(text: str, after: date) -> date | None:
    """A date as matched by `DATE` (or any plain English one), on or after `after`.

    A weekday alone means the next one after `after` ("by Friday" said on a Friday is next
    week's); a day and month without a year is the next such date, allowing a month of lag.
    """
    text = fold(text).strip().rstrip(".")
    if text.endswith("tomorrow"):
        return after + timedelta(days=1)
    if text.endswith("today"):
        return after
    if m := re.search(r"(\d{4})-(\d{2})-(\d{2})", text):
        return _safe(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := re.search(r"\b(\d{1,2})[./](\d{1,2})(?:[./](\d{2,4}))?", text):
        year = int(m.group(3)) if m.group(3) else None
        if year is not None and year < 100:
            year += 2000
        return _dated(after, int(m.group(2)), int(m.group(1)), year)
    day = re.search(r"\b(\d{1,2})(?:st|nd|rd|th|er|e)?\b", text)
    month_word = _DATE_WORD.search(text)
    if day and month_word:
        written_year = re.search(r"\b(\d{4})\b", text)
        return _dated(after, MONTHS[month_word.group(0)], int(day.group(1)),
                      int(written_year.group(1)) if written_year else None)
    if day and text.startswith("the"):
        return _next_day_of_month(after, int(day.group(1)))
    weekday = next((number for name, number in WEEKDAYS.items()
                    if re.search(rf"\b{re.escape(name)}\b", text)), None)
    if weekday is not None:
        ahead = (weekday - after.weekday()) % 7 or 7
        return after + timedelta(days=ahead)
    return None


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
