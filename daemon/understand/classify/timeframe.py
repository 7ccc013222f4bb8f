"""Dates people state in mail: "we'll get back to you by Friday", "back on 23 March".

Pure functions of the text and the message's local date. A phrase that names no date
("before the holidays") is reported as vague; a template leftover ("by [DATE]") gives none.

The employer's timeframe is a time phrase near a promise of news ("we'll let you know",
"you should hear from us", "decisions are expected"), not a deadline set for the candidate
("please complete the test within 7 days"), which is skipped clause by clause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from radiosilence.model import Timeframe
from radiosilence.parse.dates import DATE, add_business_days, fold, next_business_day, parse_date

__all__ = ["employer_timeframe", "return_date", "parse_date", "add_business_days",
           "next_business_day"]

NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
           "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
           "fourteen": 14, "fifteen": 15, "twenty": 20, "thirty": 30, "couple of": 2,
           "a couple of": 2, "few": 3, "a few": 3, "several": 5}
_NUM = (r"(?:\d{1,2}|a couple of|couple of|a few|few|several|an?|one|two|three|four|five|six|"
        r"seven|eight|nine|ten|eleven|twelve|fourteen|fifteen|twenty|thirty)")

# Promises of news from the employer's side (on folded text: lower case, no accents).
_CUE = re.compile(
    r"\b(?:(?:get|come|circle)\s+back\s+to\s+(?:you|candidates|everyone|all|applicants)|"
    r"revert|let\s+(?:you|all\s+candidates|candidates|everyone)\s+know|be\s+in\s+touch|"
    r"hear\s+(?:back\s+)?from\s+(?:us|me|the\s+team)|update\s+(?:you|candidates)|"
    r"(?:contact|e-?mail|notify|inform|call|message|write\s+to)\s+(?:you|all|candidates|"
    r"applicants|everyone)|reach\s+out|follow\s+up\s+with\s+you|respond\s+to\s+(?:you|all)|"
    r"(?:expect|aim|plan|hope|hoping|intend|expecting|aiming|planning)\s+to|"
    r"(?:we|i)(?:'ll|\s+will|\s+should|\s+shall|'d|\s+would)\s+(?:\w+\s+){0,2}?"
    r"(?:have|know|make|share|send|decide|announce|confirm|be\s+able)|"
    r"(?:decisions?|outcomes?|feedback|news|answer|results?)\s+(?:\w+\s+){0,2}?"
    r"(?:expected|due|will|should|follow)|"
    r"you(?:'ll|\s+will|\s+should|\s+can\s+expect\s+to)\s+(?:hear|get|receive|have\s+(?:an?|our))|"
    r"expect\s+(?:an?\s+)?(?:update|news|decision|answer|feedback|to\s+hear)|"
    r"(?:be|been|are|is)\s+(?:notified|informed|contacted)|"
    r"(?:should|will|'ll|hope\s+to|expect\s+to)\s+(?:have|know)\s+(?:an?\s+|the\s+|some\s+)?"
    r"(?:\w+\s+)?(?:outcome|decision|answer|news|update|feedback|more|results?))")
_NEGATED = re.compile(r"(?:n't|\bnot|\bno|\bnever)\s+(?:\w+\s+)?$")
# Tasks for the candidate: a deadline in the same clause is theirs, not the employer's.
_TASK = re.compile(
    r"\b(?:please|kindly)\b|^\s*(?:complete|submit|finish|return|sign|send|reply|respond|"
    r"confirm)\b|\b(?:you|you'll|you\s+will|you\s+should|you\s+must|you\s+need\s+to|ask\s+"
    r"you\s+to|remember\s+to)\s+(?:\w+\s+){0,2}?(?:complete|submit|finish|return|sign|send|"
    r"reply|respond|confirm|accept)\b|\byou\s+(?:have|will\s+have|'ll\s+have)\s+"
    r"(?:\w+\s+){0,2}?\w+\s+(?:\w+\s+)?(?:days?|hours?|weeks?)\b|\blink\s+(?:expires|is\s+"
    r"valid)|\bexpires?\b|\byour\s+(?:answer|decision|response|reply|acceptance)\b")
_CLAUSE = re.compile(r"[,;:()]|\s[-–—]\s|\b(?:and|but|so|then|while|whereas)\b")

_PLACEHOLDER = re.compile(
    r"\b(?:by|on|before|within|in|until)\s+(?:the\s+)?[\[{<]+[^\]}>]{0,40}[\]}>]+"
    r"(?:\s+(?:business\s+|working\s+)?(?:days?|weeks?))?")
_RELATIVE = re.compile(
    rf"\b(?:within|in|over|during)\s+(?:the\s+)?(?P<next>next\s+|coming\s+)?"
    rf"(?:about\s+|around\s+|approximately\s+|roughly\s+)?"
    rf"(?:(?P<low>{_NUM})\s*(?:-|–|to|or)\s*)?(?P<n>{_NUM}\s+|\d{{1,2}})?"
    rf"(?P<biz>business\s+|working\s+)?(?P<unit>hour|day|week|month|fortnight)(?P<plural>s)?\b"
    rf"(?:\s+or\s+(?P<or>{_NUM})\b)?(?:'?s?\s+time)?")
_DAY_END = re.compile(
    r"\b(?:by\s+)?(?:(?:the\s+)?(?:end\s+of\s+(?:the\s+)?(?:business\s+)?day|close\s+of\s+"
    r"business|eod|cob)\s+)?(?P<which>tomorrow|today)\b|\b(?:by\s+)?(?:the\s+)?(?:end\s+of\s+"
    r"(?:the\s+)?(?:business\s+)?day|close\s+of\s+business|eod|cob)\b")
_END_OF = re.compile(
    r"\b(?:by\s+)?(?:the\s+)?end\s+of\s+(?:the\s+)?(?P<which>this\s+|next\s+)?"
    r"(?P<unit>week|month)\b")
_BY_DATE = re.compile(
    rf"\b(?:by|on|before|no\s+later\s+than|until|till|around)\s+(?P<when>{DATE})")
_WEEK = re.compile(
    r"\b(?P<part>early|late|later|middle\s+of|mid|end\s+of)?[\s-]*(?:the\s+)?"
    r"(?P<which>next|this|coming|the\s+coming|following)\s+week\b")
_VAGUE = re.compile(
    r"\b(?:before\s+the\s+(?:holidays|break|new\s+year|end\s+of\s+the\s+year)|after\s+the\s+"
    r"(?:holidays|break)|in\s+the\s+coming\s+(?:days|weeks|months)|over\s+the\s+coming\s+"
    r"(?:days|weeks)|soon|shortly|as\s+soon\s+as\s+(?:possible|we\s+can|i\s+can|i\s+hear|we\s+"
    r"hear|it's\s+done|we\s+have|i\s+have)|asap|in\s+due\s+course|in\s+the\s+near\s+future|"
    r"once\s+[^,.;]{3,60})")

# Out-of-office: "back on", "returning", and the same in the languages of section 6's inboxes.
_BACK = re.compile(
    rf"(?:\bback|\breturn(?:ing|s)?|\bin\s+the\s+office|\bavailable\s+again)\s+(?:to\s+(?:the\s+)?"
    rf"(?:office|work)\s+)?(?:in\s+the\s+office\s+|at\s+my\s+desk\s+)?(?:on\s+|from\s+)?"
    rf"(?P<a>{DATE})|"
    rf"\b(?:ab(?:\s+dem)?|zuruck\s+am|wieder\s+am)\s+(?P<b>{DATE})|"
    rf"\b(?:de\s+retour|retour\s+prevu|a\s+partir\s+du)\s+(?:au\s+bureau\s+)?(?:le\s+)?(?P<c>{DATE})|"
    rf"\b(?:de\s+vuelta|volvere|regresare|regreso|estare\s+de\s+vuelta)\s+(?:a\s+la\s+oficina\s+)?"
    rf"(?:el\s+)?(?P<d>{DATE})|"
    rf"\b(?:vanaf|terug\s+op)\s+(?P<e>{DATE})|(?P<f>{DATE})\s+ben\s+ik\s+weer|"
    rf"\b(?:rientrero|rientro|tornero|di\s+nuovo\s+in\s+ufficio)\s+(?:il\s+|dal\s+)?(?P<g>{DATE})|"
    rf"\b(?:tillbaka|tilbage)\s+(?:pa\s+kontoret\s+)?(?:den\s+|pa\s+)?(?P<h>{DATE})|"
    rf"\bvolto\s+(?:no\s+dia\s+|em\s+)?(?P<i>{DATE})")
_UNTIL = re.compile(
    rf"\b(?:until|till|til|through|thru|bis(?:\s+einschlie(?:ss|ß)lich|\s+einschl\.|\s+inkl\.|"
    rf"\s+zum)?|jusqu'?au|jusqu'?a|hasta(?:\s+el)?|tot\s+en\s+met|tot|fino\s+al?|till\s+och\s+"
    rf"med|t\.o\.m\.|til\s+og\s+med|ate|do)\s+(?:and\s+including\s+)?(?P<a>{DATE})|"
    rf"(?P<b>{DATE})\s+(?:asti|saakka)|\bfrom\s+\d{{1,2}}(?:st|nd|rd|th)?\.?\s+(?:to|until|-)\s+"
    rf"(?P<c>{DATE})")


@dataclass(frozen=True)
class _Found:
    start: int
    end: int
    due: date | None
    vague: bool = False


def employer_timeframe(text: str, sent_on: date) -> Timeframe | None:
    """The first timeframe the employer states for their own next step, or None.

    `sent_on` is the message's date in the user's timezone; relative phrases count from it.
    """
    for sentence in _sentences(text):
        folded = fold(sentence)
        cues = [m for m in _CUE.finditer(folded)
                if not _NEGATED.search(folded[max(0, m.start() - 12):m.start()])]
        if not cues:
            continue
        found = [f for f in _candidates(folded, sent_on)
                 if not _TASK.search(_clause(folded, f.start))]
        if not found:
            continue
        chosen = _choose(found, cues)
        return Timeframe(sentence[chosen.start:chosen.end].strip(), chosen.due, chosen.vague)
    return None


def _choose(found: list[_Found], cues: list[re.Match[str]]) -> _Found:
    """A dated phrase over a vague one; among those, the one nearest a promise (after it
    rather than before: "we meet on Monday and will let you know by Friday")."""
    def distance(f: _Found) -> int:
        return min(f.start - c.end() if f.start >= c.end() else 2 * (c.start() - f.end) + 10
                   for c in cues)

    dated = [f for f in found if f.due is not None]
    placeholders = [f for f in found if f.due is None and not f.vague]
    pool = dated or placeholders or found
    return min(pool, key=lambda f: (distance(f), f.start))


def _candidates(folded: str, sent_on: date) -> list[_Found]:
    found: list[_Found] = []
    for m in _PLACEHOLDER.finditer(folded):
        found.append(_Found(m.start(), m.end(), None))
    for m in _RELATIVE.finditer(folded):
        if due := _relative_due(m, sent_on):
            found.append(_Found(m.start(), m.end(), due))
    for m in _DAY_END.finditer(folded):
        extra = 1 if m.group("which") == "tomorrow" else 0
        found.append(_Found(m.start(), m.end(), sent_on + timedelta(days=extra)))
    for m in _END_OF.finditer(folded):
        found.append(_Found(m.start(), m.end(), _end_of(m, sent_on)))
    for m in _BY_DATE.finditer(folded):
        if due := parse_date(m.group("when"), sent_on):
            found.append(_Found(m.start(), m.end(), due))
    for m in _WEEK.finditer(folded):
        found.append(_Found(m.start(), m.end(), _week_part(m, sent_on)))
    for m in _VAGUE.finditer(folded):
        found.append(_Found(m.start(), m.end(), None, vague=True))
    # A phrase inside a longer one ("next week" in "by the end of next week") is not its own.
    return [f for f in found
            if not any(o is not f and o.start <= f.start and f.end <= o.end
                       and (o.end - o.start) > (f.end - f.start) for o in found)]


def _relative_due(match: re.Match[str], sent_on: date) -> date | None:
    unit = match.group("unit")
    words = match.group("or") or match.group("n")
    if words is None and (match.group("plural") or not match.group("next")) \
            and unit != "fortnight":
        return None  # "within days", "in the coming weeks": no number, no date
    amount = _number(words) if words else 1
    if unit == "hour":
        return sent_on + timedelta(days=-(-amount // 24))
    if match.group("biz") and unit in ("day", "week"):
        return add_business_days(sent_on, amount if unit == "day" else amount * 5)
    days = {"day": 1, "week": 7, "fortnight": 14, "month": 30}[unit] * amount
    return sent_on + timedelta(days=days)


def _end_of(match: re.Match[str], sent_on: date) -> date:
    which = (match.group("which") or "").strip()
    if match.group("unit") == "month":
        first_next = (sent_on.replace(day=1) + timedelta(days=32)).replace(day=1)
        if which == "next":
            first_next = (first_next + timedelta(days=32)).replace(day=1)
        return first_next - timedelta(days=1)
    friday = sent_on + timedelta(days=(4 - sent_on.weekday()) % 7)
    return friday + timedelta(days=7) if which == "next" else friday


def _week_part(match: re.Match[str], sent_on: date) -> date:
    monday = sent_on - timedelta(days=sent_on.weekday())
    if match.group("which") != "this":
        monday += timedelta(days=7)
    part = re.sub(r"\s+", " ", match.group("part") or "")
    offset = {"early": 1, "middle of": 2, "mid": 2}.get(part, 4)  # Tue, Wed, else Fri
    return max(monday + timedelta(days=offset), sent_on)


def return_date(text: str, sent_on: date) -> date | None:
    """The date an out-of-office says its author is back, or None.

    "Back on 17 March" is that day; "away until 14 March" is the next business day after.
    """
    folded = fold(_flat(text[:MAX_TEXT]))
    if match := _BACK.search(folded):
        back = parse_date(next(g for g in match.groups() if g), sent_on)
        if back:
            return back
    if match := _UNTIL.search(folded):
        until = parse_date(next(g for g in match.groups() if g), sent_on)
        return next_business_day(until) if until else None
    return None


def _number(word: str) -> int:
    word = word.lower().strip()
    return int(word) if word.isdigit() else NUMBERS.get(word, 1)


def _clause(folded: str, position: int) -> str:
    window = max(0, position - 300)
    start = max((m.end() for m in _CLAUSE.finditer(folded, window, position)), default=window)
    after = _CLAUSE.search(folded, position, position + 300)
    return folded[start:after.start() if after else position + 300]


def _flat(text: str) -> str:
    # Mail wraps sentences across lines and types curly apostrophes ("we’ll").
    return re.sub(r"\s+", " ", text.replace("\u2019", "'")).strip()


_NOT_AN_END = re.compile(r"(?:\b\d{1,2}|\b(?:dr|mr|mrs|ms|prof|e\.g|i\.e|approx|no|ref|st))\.$",
                         re.I)
MAX_TEXT = 20_000  # a promise or an away note is short; beyond this is a pasted document
_MAX_SENTENCE = 1_000


def _sentences(text: str) -> list[str]:
    """Sentences of the flattened text; "14. März" and "Dr. Moss" do not end one. Linear,
    and a "sentence" longer than prose gets is cut, so odd input cannot make it slow."""
    sentences: list[str] = []
    current: list[str] = []
    size = 0
    for piece in re.split(r"(?<=[.!?])\s+", _flat(text[:MAX_TEXT])):
        if not piece:
            continue
        current.append(piece)
        size += len(piece) + 1
        if size >= _MAX_SENTENCE or not _NOT_AN_END.search(piece[-12:]):
            sentences.append(" ".join(current)[:_MAX_SENTENCE])
            current, size = [], 0
    if current:
        sentences.append(" ".join(current)[:_MAX_SENTENCE])
    return sentences
