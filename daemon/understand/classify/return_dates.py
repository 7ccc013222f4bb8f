"""The day an out-of-office note says its writer is back, in the languages such notes use.

Every date in the note is read with a few words on either side:

- "back on D", "returning D", "de retour le D", "ab D bin ich wieder", "D に戻ります": back on
  D, as written;
- "until D", "bis (einschließlich) D", "jusqu'au D (inclus)", "hasta el D", "t/m D", "till och
  med D", "do D", "по D", "D まで", "from C to D": away through D, so back on the next
  business day after D. "Until" and "until and including" mean the same here: a note that
  says "until Friday 20 March" is read as away on the 20th, as most writers mean it;
- Dutch "tot D" without "en met" is the one exception: Dutch keeps "tot" exclusive ("tot en
  met" is the inclusive form), so "tot 23 maart" is back on the 23rd;
- a date that opens a range ("ab 16.03. bis ...", "from 16 March") is the first day away and
  says nothing about the return;
- a range that names its month once, before both days ("July 10-31", "August 16 to 29",
  "7月10日から31日まで"), is read as if the month stood before the second day too, so that
  the second day is a date that ends the range.

A stated return day wins over an "until"; among several, the first. Pure.
"""

from __future__ import annotations

import re
from datetime import date

from radiosilence.parse.dates import (
    DATE,
    MAX_TEXT,
    MONTH,
    fold_accents,
    month_first,
    next_business_day,
    parse_date,
)

_DATE = re.compile(DATE)
_WINDOW = 60  # characters read on either side of a date: bounded, so the scan stays linear
_WORDS = r"(?:[\w'-]+\s+){0,4}?"  # up to four words between a cue and its date

# Before a date: the writer is back on it.
_BACK_BEFORE = re.compile(
    rf"(?:\bback(?!\s+to\s+you)|\breturn(?:ing|s)?|\bin\s+the\s+office|\bavailable\s+again|"
    rf"\bzuruck|\bwieder|\bde\s+retour|\bretour|\breprendrai|\bde\s+nouveau|\bde\s+vuelta|"
    rf"\bvolvere|\bregresare|\bregreso|\breincorporare|\bmi\s+vuelta|\bincorporacion|\bterug|"
    rf"\bweer|\brientrer[oò]|"
    rf"\brientro|\btornero|\bdi\s+nuovo|\bdi\s+ritorno|\bde\s+volta|\bvolto|\bretorno|"
    rf"\bregresso|\btillbaka|\btilbake|\btilbage|\bater|\bwracam|\bpowrotem|\bvratim|\bzpet|"
    rf"\bvernu|\bпо\s+возвращении|\bвернусь|\bповернуся)\s+{_WORDS}$")
# After a date: "ab dem 23.03. bin ich wieder erreichbar", "vanaf 23 maart ben ik weer".
_BACK_AFTER = re.compile(
    r"^[\s,]*(?:(?:[\w'-]+\s+){0,4}?(?:wieder|weer|de\s+retour|de\s+vuelta|di\s+nuovo|"
    r"de\s+volta|zuruck|terug|tillbaka|tilbake|tilbage)\b|(?:に|から|より|以降|起)?\s*"
    r"(?:戻|出社|出勤|復帰|帰社|通常|回来|返回|回到|上班|回公司|복귀|출근))")
# Before a date: away through it. Articles and "and including" may sit between.
_UNTIL_BEFORE = re.compile(
    r"(?:\buntil|\btill|\btil|\bthrough|\bthru|\bup\s+to|\bbis|\bjusqu'?(?:au|a|a\s+la)|"
    r"\bhasta|\b(?P<tot>tot)(?P<met>\s+en\s+met)?|\bt/m|\bfino\s+(?:al|a|alla)|\bate|"
    r"\btill\s+och\s+med|\bt\.o\.m\.?|\btil\s+og\s+med|\bdo|\bpo|\bkuni|\biki|\bfins\s+al|"
    r"\bata|\bto|\bal|\bau|\bdo\s+dnia|\bдо|\bпо|至|到|~|〜|(?:[\s\d.]|st|nd|rd|th)[-–])\s*(?:and\s+"
    r"including\s+|einschlie(?:ss|ß)lich\s+|einschl\.?\s+|inkl\.?\s+|inklusive\s+|zum\s+|"
    r"(?:le|el|dem|den|the|il|o|dia|al|lo)\s+)*$")
# After a date: "D まで", "D 까지", "D asti", and an inclusive mark that overrides Dutch "tot".
_UNTIL_AFTER = re.compile(r"^\s*(?:まで|迄|까지|为止|asti\b|saakka\b|arte\b|kadar\b)")
# A range of days ("10-31", "16th to 29th"), read as a month's when a month stands before it
# ("july 10-31"). Not a day followed by a time or another number ("10-12:30", "10 - 3/4").
# Found by its digits first: `re` skips fast to a digit, not to one of a hundred month names.
_DAY_RANGE = re.compile(
    r"(?<!\d)(?P<first>\d{1,2}(?:st|nd|rd|th)?)\s*(?P<to>[-–—]|to\b|through\b|thru\b|until\b|"
    r"till\b)\s*(?P<last>\d{1,2})(?P<suffix>st|nd|rd|th)?\b(?![.:/]\d)")
_MONTH_BEFORE = re.compile(rf"\b(?P<month>{MONTH})\s+$")
# The same in Chinese and Japanese: "7月10日から31日", "7月10日至31日", "7月10日～31日".
_CJK_RANGE = re.compile(
    r"(?P<month>\d{1,2})\s*月\s*(?P<first>\d{1,2}\s*日(?:\s*[(（][月火水木金土日][)）])?)\s*"
    r"(?P<to>から|至|到|~|〜|～|-|－)\s*(?P<last>\d{1,2})\s*日")
_INCLUSIVE_AFTER = re.compile(
    r"^\s*\(?(?:inclus|incluse|inclusive|incluido|incluida|incluso|compres[oa]|inclusief|"
    r"einschlie(?:ss|ß)lich|included|wlacznie|vcetne)\b")


def return_date(text: str, sent_on: date) -> date | None:
    """The day the writer of an away note is back, or None (see the module docstring)."""
    folded = fold_accents(re.sub(r"\s+", " ", text[:MAX_TEXT].replace("\u2019", "'")))
    folded = _spell_out_ranges(folded)
    order = month_first(folded)
    back: date | None = None
    until: date | None = None
    for match in _DATE.finditer(folded):
        before = folded[max(0, match.start() - _WINDOW):match.start()]
        after = folded[match.end():match.end() + _WINDOW]
        kind = _kind(before, after)
        if kind is None or (kind != "back" and until is not None):
            continue
        day = parse_date(match.group(0), sent_on, order)
        if day is None:
            continue
        if kind == "back":
            back = day
            break
        until = day if kind == "until-exclusive" else next_business_day(day)
    return back or until


def _kind(before: str, after: str) -> str | None:
    # "bis 20.03., danach wieder": a cue before the date outranks one after it.
    if _BACK_BEFORE.search(before):
        return "back"
    if match := _UNTIL_BEFORE.search(before):
        dutch_tot = match.group("tot") and not match.group("met")
        if dutch_tot and not _INCLUSIVE_AFTER.search(after):
            return "until-exclusive"
        return "until"
    if _BACK_AFTER.search(after):
        return "back"
    if _UNTIL_AFTER.search(after):
        return "until"
    return None


def _spell_out_ranges(folded: str) -> str:
    """`folded` with the month of a month-first day range repeated before its last day:
    "july 10-31" becomes "july 10 - july 31", whose second date the cues read as the end."""
    pieces, done = [], 0
    for match in _DAY_RANGE.finditer(folded):
        month = _MONTH_BEFORE.search(folded, max(0, match.start() - 12), match.start())
        if month is None:
            continue
        to = match.group("to")
        to = "-" if to in "-–—" else to  # the dash the until-cue knows
        name = month.group("month")
        pieces += [folded[done:match.start()], f"{match.group('first')} {to} {name} ",
                   match.group("last"), match.group("suffix") or ""]
        done = match.end()
    folded = "".join(pieces) + folded[done:] if pieces else folded
    if "月" in folded:
        folded = _CJK_RANGE.sub(_cjk_range, folded)
    return folded


def _cjk_range(match: re.Match[str]) -> str:
    month = match.group("month")  # "から" (from) included: the range's end is the cue's date
    return f"{month}月{match.group('first')}〜{month}月{match.group('last')}日"
