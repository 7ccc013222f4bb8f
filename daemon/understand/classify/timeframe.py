"""Dates people state in mail: "we'll get back to you by Friday", "back on 23 March".

Pure functions of the text and the message's local date. A phrase that names no date
("before the holidays") is reported as vague; a template leftover ("by [DATE]") gives none.

The employer's timeframe is a time phrase near a promise of news ("we'll let you know",
"you should hear from us", "decisions are expected"), not a deadline set for the candidate
("please complete the test within 7 days"), which is skipped clause by clause. Promises and
time phrases are read in English, French, German and Spanish ("nous reviendrons vers vous
d'ici vendredi", "wir melden uns Anfang nächster Woche", "en un plazo de dos semanas"); a
phrase that names a day wins over an earlier vague one. Return dates: `return_dates`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from radiosilence.model import Timeframe
from radiosilence.parse.date_words import NUMBER_WORDS
from radiosilence.parse.dates import (
    DATE,
    MAX_TEXT,
    MONTH,
    add_business_days,
    fold_accents,
    month_first,
    next_business_day,
    parse_date,
)
from radiosilence.understand.classify.prefilter import FirstOf, screening
from radiosilence.understand.classify.return_dates import return_date
from radiosilence.understand.classify.text import flatten, fold, fold_piece

__all__ = ["employer_timeframe", "return_date", "parse_date", "add_business_days",
           "next_business_day", "MAX_TEXT"]

_NUM = (r"(?:\d{1,2}|" + "|".join(sorted((re.escape(w) for w in NUMBER_WORDS), key=len,
                                          reverse=True)) + ")")

# Promises of news from the employer's side (on folded text: lower case, no accents).
_CUE = re.compile(
    r"\b(?:(?:get|come|circle)\s+back\s+to\s+(?:you|candidates|everyone|all|applicants)|"
    r"revert|let\s+(?:you|all\s+candidates|candidates|everyone)\s+know|be\s+in\s+touch|"
    r"hear\s+(?:back\s+)?from\s+(?:us|me|the\s+team)|update\s+(?:you|candidates)|"
    r"(?:contact|e-?mail|notify|inform|call|message|write\s+to)\s+(?:you|all|candidates|"
    r"applicants|everyone)|reach\s+out|follow\s+up\s+with\s+you|respond\s+to\s+(?:you|all)|"
    # "we plan to complete interviews by Wednesday" is their process, not news for the reader.
    r"(?:expect|aim|plan|hope|hoping|intend|expecting|aiming|planning)\s+to\s+(?:\w+\s+)?"
    r"(?:get|come|let|make|reach|have|send|share|give|provide|decide|announce|confirm|respond|"
    r"reply|update|contact|be\s+in\s+touch|inform|notify|finali[sz]e|revert|circle|follow|"
    r"hear|know|wrap|conclude|complete\s+(?:our|the)\s+(?:review|decision))|"
    r"(?:we|i)(?:'ll|\s+will|\s+should|\s+shall|'d|\s+would)\s+(?:\w+\s+){0,2}?"
    r"(?:have|know|make|share|send|decide|announce|confirm|be\s+able)|"
    r"(?:decisions?|outcomes?|feedback|news|answer|results?)\s+(?:\w+\s+){0,2}?"
    r"(?:expected|due|will|should|follow)|"
    r"you(?:'ll|\s+will|\s+should|\s+can\s+expect\s+to)\s+(?:hear|get|receive|have\s+(?:an?|our))|"
    r"expect\s+(?:an?\s+)?(?:update|news|decision|answer|feedback|to\s+hear)|"
    r"(?:be|been|are|is)\s+(?:notified|informed|contacted)|"
    # "the process will take a few more weeks", "it may yet take us another week".
    r"(?:will|may|might|could|should|would|'ll)\s+(?:\w+\s+)?take\s+(?:us\s+|me\s+|them\s+)?"
    r"(?:another|a\s+further|an\s+(?:additional|extra)|(?:\w+\s+){1,3}?more\s+(?:days?|weeks?))|"
    r"(?:should|will|'ll|hope\s+to|expect\s+to)\s+(?:have|know)\s+(?:an?\s+|the\s+|some\s+)?"
    r"(?:\w+\s+)?(?:outcome|decision|answer|news|update|feedback|more|results?))|"
    # French: "nous revenons vers vous", "sans nouvelles de notre part", "vous recevrez".
    r"\b(?:reven\w*|reviend\w*)\s+vers\s+(?:vous|toi)|\b(?:sans|en\s+l'absence\s+de)\s+"
    r"(?:nouvelles|reponse|retour)|\b(?:vous|tu)\s+(?:recevrez|recevras|aurez|auras)\s+"
    r"(?:une\s+reponse|un\s+retour|des\s+nouvelles|de\s+nos\s+nouvelles)|\b(?:vous|te)\s+"
    r"(?:repondrons|recontacterons|contacterons|tiendrons|informerons|ferons\s+un\s+retour)|"
    # German: "wir melden uns", "Sie erhalten eine Rückmeldung", "von uns hören".
    r"\b(?:melden\s+(?:uns|wir|mich|sich)|(?:uns|mich)\s+(?:\w+\s+){0,3}?melden|ruckmeldung|"
    r"bescheid\s+geben|geben\s+(?:ihnen|dir)\s+bescheid|von\s+uns\s+horen|(?:informieren|"
    r"kontaktieren)\s+(?:sie|dich|wir)|(?:erhalten|bekommen)\s+(?:sie|du)\s+(?:\w+\s+)?"
    r"(?:antwort|nachricht|entscheidung))|"
    # Spanish: "nos pondremos en contacto", "te responderemos", "recibirás una respuesta".
    r"\b(?:pondremos\s+en\s+contacto|(?:te|le|les|os)\s+(?:responderemos|contactaremos|"
    r"informaremos|escribiremos|diremos|daremos)|recibiras?\s+(?:una\s+|nuestra\s+)?"
    r"(?:respuesta|noticias)|tendras?\s+(?:una\s+|nuestra\s+)?(?:respuesta|noticias))")
# Searched branch by branch, behind each branch's words (`prefilter.FirstOf`): only where
# the promises are is read, never their groups.
_CUES = FirstOf(_CUE)
_NEGATED = re.compile(r"(?:n't|\bnot|\bno|\bnever)\s+(?:\w+\s+)?$")
# Tasks for the candidate: a deadline in the same clause is theirs, not the employer's.
_TASK = re.compile(
    r"\b(?:please|kindly|bitte|por\s+favor)\b|^\s*(?:complete|submit|finish|return|sign|send|"
    r"reply|respond|confirm)\b|\b(?:you|you'll|you\s+will|you\s+should|you\s+must|you\s+need\s+"
    r"to|ask\s+you\s+to|remember\s+to)\s+(?:\w+\s+){0,2}?(?:complete|submit|finish|return|sign|"
    r"send|reply|respond|confirm|accept)\b|\byou\s+(?:have|will\s+have|'ll\s+have)\s+"
    r"(?:\w+\s+){0,2}?\w+\s+(?:\w+\s+)?(?:days?|hours?|weeks?)\b|\blink\s+(?:expires|is\s+"
    r"valid)|\bexpires?\b|\byour\s+(?:answer|decision|response|reply|acceptance)\b")
_CLAUSE = re.compile(r"[,;:()]|\s[-–—]\s|\b(?:and|but|so|then|while|whereas)\b")

_PLACEHOLDER = re.compile(
    r"\b(?:by|on|before|within|in|until)\s+(?:the\s+)?[\[{<]+[^\]}>]{0,40}[\]}>]+"
    r"(?:\s+(?:business\s+|working\s+)?(?:days?|weeks?))?")
# Units in English, French, German and Spanish; the key is what `_relative_due` counts in.
_UNITS = {"hour": "hour", "heure": "hour", "stunde": "hour", "hora": "hour",
          "day": "day", "jour": "day", "tag": "day", "dia": "day",
          "week": "week", "semaine": "week", "woche": "week", "semana": "week",
          "month": "month", "moi": "month", "monat": "month", "mes": "month",
          "fortnight": "fortnight", "quinzaine": "fortnight", "quincena": "fortnight",
          "werktag": "bizday", "arbeitstag": "bizday"}
_RELATIVE = re.compile(
    rf"\b(?:within|in|over|during|dans|sous|d'ici|innerhalb|binnen|dentro|en|"
    rf"(?P<take>take)(?:\s+(?:us|me|them))?(?:\s+(?P<another>another|a\s+further|an\s+"
    rf"(?:additional|extra)))?)"
    rf"\s+"
    rf"(?:(?:the|un\s+delai(?:\s+maximum)?\s+d[e']|les?|la|von|der|den|de|un\s+plazo(?:\s+"
    rf"maximo)?\s+de|los|las)\s*)*?(?P<next>(?:next|coming|prochaine?s|nachsten|proximos|"
    rf"proximas)\s+)?(?:about\s+|around\s+|approximately\s+|roughly\s+|environ\s+|etwa\s+|"
    rf"unos\s+|unas\s+)?(?:(?P<low>{_NUM})\s*(?:-|–|to|or|a|bis|o)\s*)?(?P<n>{_NUM}\s+|"
    rf"\d{{1,2}})?(?P<more>more\s+)?(?P<biz>business\s+|working\s+)?(?P<unit>hour|day|week|month|"
    rf"fortnight|"
    rf"heure|jour|semaine|moi|quinzaine|stunde|werktag|arbeitstag|tag|woche|monat|hora|dia|"
    rf"semana|mes|quincena)(?P<plural>s|e|en|n|es)?\b(?P<biz2>\s+(?:ouvr[eé]s?|ouvrables?|"
    rf"habiles|laborables))?(?:\s+or\s+(?P<or>{_NUM})\b)?(?:'?s?\s+time)?")
_DAY_END = re.compile(
    r"\b(?:by\s+)?(?:(?:the\s+)?(?:end\s+of\s+(?:the\s+)?(?:business\s+)?day|close\s+of\s+"
    r"business|eod|cob)\s+)?(?P<which>tomorrow|today)\b|\b(?:by\s+)?(?:the\s+)?(?:end\s+of\s+"
    r"(?:the\s+)?(?:business\s+)?day|close\s+of\s+business|eod|cob)\b")
_END_OF = re.compile(
    r"\b(?:by\s+)?(?:the\s+)?end\s+of\s+(?:the\s+)?(?P<which>this\s+|next\s+)?"
    r"(?P<unit>week|month)\b|"
    r"\b(?:(?:d'ici|avant)\s+)?(?:la\s+)?fin\s+(?:de\s+(?:la\s+|cette\s+)?|du\s+)"
    r"(?P<unit_fr>semaine|mois)(?P<which_fr>\s+prochaine?)?|"
    r"\b(?:bis\s+)?(?:zum\s+)?ende\s+(?P<which_de>dieser\s+|der\s+|nachster\s+|kommender\s+|"
    r"des\s+)?(?P<unit_de>woche|monats)\b|"
    r"\b(?:antes\s+de\s+|a\s+)?(?:finales|fin)\s+de\s+(?P<which_es>esta\s+|la\s+|la\s+proxima\s+"
    r"|este\s+|el\s+)?(?P<unit_es>semana|mes)\b")
_BY_DATE = re.compile(
    rf"\b(?:by|on|before|no\s+later\s+than|until|till|around|bis(?:\s+zum|\s+spatestens)?|"
    rf"spatestens(?:\s+am)?|am|d'ici(?:\s+le)?|avant(?:\s+le)?|au\s+plus\s+tard(?:\s+le)?|"
    rf"antes\s+del?|para\s+el|a\s+mas\s+tardar\s+el)\s+(?P<when>{DATE})")
# "the first 1-2 weeks of November": the end of the last week named.
_WEEKS_OF = re.compile(
    rf"\b(?:during|in|within|over)\s+the\s+first\s+(?:(?:{_NUM})\s*(?:-|–|to|or)\s*)?"
    rf"(?P<n>{_NUM})?\s*weeks?\s+of\s+(?P<month>{MONTH})")
_WEEK = re.compile(
    r"\b(?P<part>early|late|later|middle\s+of|mid|end\s+of)?[\s-]*(?:the\s+)?"
    r"(?P<which>next|this|coming|the\s+coming|following)\s+week\b|"
    r"\b(?:(?:en|au|a|d'ici(?:\s+la)?)\s+)?(?:(?P<part_fr>debut|milieu|fin)\s+de\s+)?(?:la\s+)?"
    r"semaine\s+(?P<which_fr>prochaine)|\b(?P<which_fr2>cette)\s+semaine|"
    r"\b(?:(?P<part_de>anfang|mitte|ende)\s+)?(?:der\s+)?(?P<which_de>nachste[nr]?|kommende[nr]?|"
    r"diese[rn]?)\s+woche\b|"
    r"\b(?:a\s+)?(?:(?P<part_es>principios|mediados|finales)\s+de\s+)?(?P<which_es>la\s+proxima\s+"
    r"semana|la\s+semana\s+(?:que\s+viene|proxima)|esta\s+semana)")
_WEEK_PART = {"early": 1, "debut": 1, "anfang": 1, "principios": 1, "middle of": 2, "mid": 2,
              "milieu": 2, "mitte": 2, "mediados": 2}  # Tuesday, Wednesday; else Friday
_VAGUE = re.compile(
    r"\b(?:before\s+the\s+(?:holidays|break|new\s+year|end\s+of\s+the\s+year)|after\s+the\s+"
    r"(?:holidays|break)|in\s+the\s+coming\s+(?:days|weeks|months)|over\s+the\s+coming\s+"
    r"(?:days|weeks)|soon|shortly|as\s+soon\s+as\s+(?:possible|we\s+can|i\s+can|i\s+hear|we\s+"
    r"hear|it's\s+done|we\s+have|i\s+have)|asap|in\s+due\s+course|in\s+the\s+near\s+future|"
    r"once\s+[^,.;]{3,60}|dans\s+les\s+(?:plus\s+brefs\s+delais|meilleurs\s+delais|prochains\s+"
    r"jours)|au\s+plus\s+(?:vite|tot)|rapidement|prochainement|des\s+que\s+possible|bientot|"
    r"in\s+kurze|zeitnah|schnellstmoglich|baldmoglichst|so\s+(?:bald|schnell)\s+wie\s+moglich|"
    r"in\s+den\s+nachsten\s+tagen|en\s+breve|lo\s+antes\s+posible|a\s+la\s+mayor\s+brevedad|"
    r"proximamente|en\s+los\s+proximos\s+dias)")

@dataclass(frozen=True)
class _Found:
    start: int
    end: int
    due: date | None
    vague: bool = False


def employer_timeframe(text: str, sent_on: date) -> Timeframe | None:
    """The timeframe the employer states for their own next step, or None: the first one
    that names a day, else the first without one ("dans les plus brefs délais ... sans
    nouvelles sous trois semaines" is the three weeks).

    `sent_on` is the message's date on the writer's calendar; relative phrases count from it.
    """
    undated: Timeframe | None = None
    flat = _flat(text[:MAX_TEXT])
    # A sentence's fold is a piece of the whole fold (`text.fold_piece`), so it holds no
    # promise whose words the whole lacks: only the promises live in the whole are sought.
    whole = fold(flat)
    live = None if "Σ" in flat else _CUES.live(whole)
    if live == []:
        return None
    # Most mail that holds a promise's words holds no promise ("we will ... have" in a job
    # description). Then no sentence does either: a sentence is a piece of the text between
    # spaces, and a promise's pattern looks at nothing outside its match but the word
    # boundary of its first letter, which the space before a piece gives as its start does
    # (no anchors or look-arounds: a test holds it to that).
    if live is not None and screening() and next(_CUES.finditer(whole, live), None) is None:
        return None
    order: bool | None = None  # the writer's date order, read once a sentence needs it
    for start, end in _sentences(flat):
        folded = fold_piece(flat, start, end)
        here = None if live is None else [cue for cue in live if cue.holds(folded)]
        cues = [m for m in _CUES.finditer(folded, here)
                if not _NEGATED.search(folded[max(0, m.start() - 12):m.start()])]
        if not cues:
            continue
        if order is None:
            order = month_first(fold_accents(text[:3000]))
        found = [f for f in _candidates(folded, sent_on, order)
                 if not _TASK.search(_clause(folded, f.start))]
        if not found:
            continue
        chosen = _choose(found, cues)
        sentence = flat[start:end]
        stated = Timeframe(sentence[chosen.start:chosen.end].strip(), chosen.due, chosen.vague)
        if chosen.due is not None:
            return stated
        undated = undated or stated
    return undated


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


def _candidates(folded: str, sent_on: date, order: bool) -> list[_Found]:
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
        if due := parse_date(m.group("when"), sent_on, order):
            found.append(_Found(m.start(), m.end(), due))
    for m in _WEEKS_OF.finditer(folded):
        if due := _weeks_of(m, sent_on):
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
    if match.group("take") and not (match.group("another") or match.group("more")):
        return None  # "the test will take 2 hours": a task's length, not a wait for news
    unit = _UNITS[match.group("unit")]
    words = match.group("or") or match.group("n")
    if words is None and (match.group("plural") or not (match.group("next")
                                                        or match.group("another"))) \
            and unit != "fortnight":
        return None  # "within days", "in the coming weeks": no number, no date
    amount = _number(words) if words else 1
    if unit == "hour":
        return sent_on + timedelta(days=-(-amount // 24))
    if unit == "bizday" or ((match.group("biz") or match.group("biz2"))
                            and unit in ("day", "week")):
        return add_business_days(sent_on, amount * (5 if unit == "week" else 1))
    days = {"day": 1, "week": 7, "fortnight": 14, "month": 30}[unit] * amount
    return sent_on + timedelta(days=days)


def _end_of(match: re.Match[str], sent_on: date) -> date:
    unit = next(u for u in (match.group(g) for g in ("unit", "unit_fr", "unit_de", "unit_es"))
                if u)
    which = "".join(match.group(g) or "" for g in ("which", "which_fr", "which_de", "which_es"))
    later = bool(re.search(r"next|prochain|nachster|kommender|proxima", which))
    if unit in ("month", "mois", "monats", "mes"):
        first_next = (sent_on.replace(day=1) + timedelta(days=32)).replace(day=1)
        if later:
            first_next = (first_next + timedelta(days=32)).replace(day=1)
        return first_next - timedelta(days=1)
    friday = sent_on + timedelta(days=(4 - sent_on.weekday()) % 7)
    return friday + timedelta(days=7) if later else friday


def _weeks_of(match: re.Match[str], sent_on: date) -> date | None:
    weeks = _number(match.group("n")) if match.group("n") else 1
    month = parse_date(f"1 {match.group('month')}", sent_on)
    return month.replace(day=min(7 * weeks, 28)) if month else None


def _week_part(match: re.Match[str], sent_on: date) -> date:
    monday = sent_on - timedelta(days=sent_on.weekday())
    which = "".join(match.group(g) or "" for g in ("which", "which_fr", "which_fr2",
                                                      "which_de", "which_es"))
    if not re.search(r"^this$|cette|diese|esta", which.strip()):
        monday += timedelta(days=7)
    part = "".join(match.group(g) or "" for g in ("part", "part_fr", "part_de", "part_es"))
    offset = _WEEK_PART.get(re.sub(r"\s+", " ", part), 4)
    return max(monday + timedelta(days=offset), sent_on)


def _number(word: str) -> int:
    word = word.lower().strip()
    return int(word) if word.isdigit() else NUMBER_WORDS.get(word, 1)


def _clause(folded: str, position: int) -> str:
    window = max(0, position - 300)
    start = max((m.end() for m in _CLAUSE.finditer(folded, window, position)), default=window)
    after = _CLAUSE.search(folded, position, position + 300)
    return folded[start:after.start() if after else position + 300]


def _flat(text: str) -> str:
    # Mail wraps sentences across lines and types curly apostrophes ("we’ll").
    return flatten(text.replace("\u2019", "'"))


_NOT_AN_END = re.compile(r"(?:\b\d{1,2}|\b(?:dr|mr|mrs|ms|prof|e\.g|i\.e|approx|no|ref|st))\.$",
                         re.I)
_MAX_SENTENCE = 1_000
# Where a sentence may end: the whitespace after a full stop, "!" or "?" (group 1). The same
# runs as the look-behind "(?<=[.!?])\s+" finds, sooner: `re` skips ahead to the punctuation.
_BETWEEN = re.compile(r"[.!?](\s+)")


def _sentences(flat: str) -> list[tuple[int, int]]:
    """Where the sentences of a flat text (`_flat`) are; "14. März" and "Dr. Moss" do not end
    one. Linear, and a "sentence" longer than prose gets is cut, so odd input cannot make it
    slow. Each is a span of `flat`: its pieces are joined by the one space between them."""
    spans: list[tuple[int, int]] = []
    first = None  # where the sentence being gathered starts
    size = last = 0
    for start, end in _pieces(flat):
        if start == end:
            continue
        first = start if first is None else first
        size, last = size + end - start + 1, end
        # Only a full stop can fail to end one (`_NOT_AN_END` ends in "\.$").
        if size >= _MAX_SENTENCE or flat[end - 1] != "." or not _NOT_AN_END.search(
                flat[max(start, end - 12):end]):
            spans.append((first, min(end, first + _MAX_SENTENCE)))
            first, size = None, 0
    if first is not None:
        spans.append((first, min(last, first + _MAX_SENTENCE)))
    return spans


def _pieces(flat: str) -> Iterator[tuple[int, int]]:
    """The spans between the places a sentence may end (`re.split` of them, as spans)."""
    start = 0
    for gap in _BETWEEN.finditer(flat):
        yield start, gap.start(1)
        start = gap.end(1)
    yield start, len(flat)
