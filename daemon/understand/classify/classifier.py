"""What an employer's mail means for the follow-up clock: rules where they are certain, a
learned linear model for the wording.

The quoted history and the signature are cut off first, so that the user's own words and
older messages never decide the label. RFC 3834 headers, auto-reply subjects and job-board
senders decide on their own. Otherwise the phrases of `rules.py` (subject and body),
the sender, the list headers, an out-of-office note and a stated timeframe are scored as
before, and those scores go, with the words themselves, into the model of
`learned`, whose calibrated probability is the confidence. Each result carries the
evidence: the words that pushed the model most, then the rules' phrases.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from radiosilence.mailformat import has_reply_prefix
from radiosilence.model import Category, Classification, Timeframe
from radiosilence.understand import senders
from radiosilence.understand.classify.language import guess_language
from radiosilence.understand.classify.learned import Model, Scored, load_model, words
from radiosilence.understand.classify.prefilter import Screen
from radiosilence.understand.classify.rules import (
    CLAUSE_BREAK,
    CONDITION,
    NEGATION,
    PAST,
    PRIORITY,
    RULES,
    Rule,
)
from radiosilence.understand.classify.signals import (
    ASKS,
    AUTO_BODY,
    AUTO_HEADERS,
    AUTO_SUBJECT,
    AUTO_SYSTEM,
    BULK_PRECEDENCE,
    MARKETING_SENDER,
    PERSONAL_GREETING,
)
from radiosilence.understand.classify.text import flatten, fold
from radiosilence.understand.classify.timeframe import MAX_TEXT, employer_timeframe, return_date

_QUOTE_START = re.compile(
    r"^(?:on\s.{4,250}\swrote:|-{2,}\s*original message\s*-{2,}|-{4,}\s*forwarded message\s*-{4,}"
    r"|begin forwarded message:|_{10,}|from:\s.+|am\s.{4,160}\sschrieb\s.*:|"
    r"le\s.{4,160}\sa\s[ée]crit\s?:|el\s.{4,160}\sescribi[óo]:|op\s.{4,160}\sschreef\s.*:|"
    r"il\s.{4,160}\sha\sscritto:|den\s.{4,160}\sskrev\s.*:)\s*$", re.I)
_WRAPPED_QUOTE = re.compile(r"^on\s.{4,200}$", re.I)  # "On Tue, ... Rita <" + "rita@x> wrote:"
# The message's own headers printed above its text (a mail saved or printed from a web
# client): "Subject: ...", "From: ...", "Date Sent: ...". A "From:" line lower down starts
# the quoted history; in this block it does not.
_OWN_HEADER = re.compile(r"^(?:subject|from|to|cc|date|sent|date sent|date received|"
                         r"reply-to):\s", re.I)
_VALEDICTION = re.compile(
    r"^(?i:best|best regards|kind regards|warm regards|warmest regards|regards|many thanks|thanks|"
    r"thanks again|thank you|cheers|all the best|all best|warmly|warm wishes|best wishes|"
    r"with thanks|sincerely|yours sincerely|yours faithfully|yours truly|take care|talk soon|"
    r"speak soon|mit freundlichen gr(?:ü|ue)(?:ß|ss)en|viele gr(?:ü|ue)(?:ß|ss)e|beste gr(?:ü|ue)"
    r"(?:ß|ss)e|cordialement|bien (?:à|a) vous|saludos|un saludo|atentamente|met vriendelijke "
    r"groet|groeten|cordiali saluti|distinti saluti|med v(?:ä|a)nliga h(?:ä|a)lsningar|"
    r"v(?:ä|a)nliga h(?:ä|a)lsningar|mvh|h(?:ä|a)lsningar)[\s,.!]*"
    r"(?:[A-Z][\w.'&-]*(?:\s[A-Z][\w.'&-]*)?)?[\s,.!]*$")
_DISCLAIMER = re.compile(r"^(?:confidentiality notice|this (?:e-?mail|message) (?:and any "
                         r"attachments? )?(?:is|are|may (?:be|contain)) (?:confidential|"
                         r"intended|privileged))", re.I)
_SIGNATURE_LINES = 8  # a valediction with more than this below it is not a sign-off
_AWAY_FIRST = 200  # characters: an away phrase this near the start is the note's first news
# Below this calibrated confidence a label is flagged for the user to check. Read off the
# out-of-fold table of bench/train_classifier.py on the tune part of the real corpus: at 0.7
# about one model-decided message in nine is flagged, three in five of the model's errors
# among them, and the unflagged rest is 96% right; 0.6 would catch half the errors, 0.8 flag
# one message in six to catch three in four.
REVIEW_BELOW = 0.7
_NOTHING = "no recruiting words, headers or sender recognised"
# The model alone calls mail an auto-reply only from this probability on (else the rules
# must have seen an away note). Read off the wording-only table of bench/train_classifier.py
# on the tune part (every tune auto-reply has an away note, so the words are read without
# it): from 0.4 on it calls no other mail an auto-reply; 0.6 keeps a margin above that
# and still finds 36 of the 37.
AUTO_REPLY_AT = 0.6
# Below this many characters such a call is put to the person: a few words of thanks
# ("Danke!", "ありがとうございます。") cannot tell a template from a person, yet in a language
# the model has seen mostly in away notes they look automatic to it. Short away notes the
# rules do not know are real too, so the label stands, flagged, and does not move the clock
# until the person answers. No tune auto-reply is this short.
AUTO_REPLY_MIN_TEXT = 40
# A phrase score the rules are sure of (one strong phrase, or two that agree).
RULES_SURE = 3.0
# Below this rejection score the rules found no phrase of refusal at all (one weak word);
# from _PLAIN_NO on they found a plain one, which the model must be this sure to overrule.
_NO_PHRASE = 1.0
_PLAIN_NO = 4.0
_PLAIN_NO_BEATS = 0.9
# The model alone calls mail a rejection, with no phrase of refusal the rules know in it,
# only from this probability on. Employer mail that is not a no (a survey while the
# application is reviewed, a paused search, a recruiter's answer to a question) reads like
# one to the model word by word, and a false no silently closes an interview the person
# should chase. On the tune part out of fold it took rejection precision from 0.885 to
# 1.000 at no loss of recall; on 128 real employer mails quoted on public pages (outside
# the corpus, read as tuning text) from 0.65-0.92 to 0.97-1.00, with the refusal phrases
# those mails taught.
UNPHRASED_NO_AT = 0.99
_SCREEN = Screen([rule.pattern for rule in RULES])


def strip_quoted(body: str) -> str:
    """The new text of a reply: quoted lines, the quoted history and the signature removed."""
    kept: list[str] = []
    lines = body.splitlines()
    at_top = True  # no text yet but the message's own headers
    for index, line in enumerate(lines):
        stripped = line.strip()
        if at_top and _OWN_HEADER.match(stripped):
            if stripped[:8].lower() == "subject:":
                kept.append(stripped[8:])  # the subject is the mail's words; the rest is not
            continue
        at_top = at_top and not stripped
        if (stripped == "--" or line.rstrip("\r") == "-- " or _QUOTE_START.match(stripped)
                or _DISCLAIMER.match(stripped)
                or (_WRAPPED_QUOTE.match(stripped) and index + 1 < len(lines)
                    and lines[index + 1].strip().endswith("wrote:"))):
            break
        if stripped.startswith(">"):
            continue
        kept.append(line)
    return "\n".join(_without_sign_off(kept)).strip()


def _without_sign_off(lines: list[str]) -> list[str]:
    """Cut at "Best,\\nRita\\n<title, company, slogan>": a signature may say "we offer"."""
    left = sum(1 for line in lines if line.strip())  # non-empty lines from here on
    seen_text = False
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        left -= 1
        if seen_text and left <= _SIGNATURE_LINES and _VALEDICTION.match(stripped):
            return lines[:index]
        seen_text = True
    return lines


def _auto_header(headers: Mapping[str, str]) -> str:
    for name, pattern in AUTO_HEADERS:
        value = headers.get(name, "")
        if value and pattern.search(value):
            return f"header {name}: {value}"
    return ""


@dataclass
class _Board:
    """Scores per category with the words that earned them."""

    scores: dict[Category, float] = field(default_factory=lambda: dict.fromkeys(Category, 0.0))
    evidence: dict[Category, list[str]] = field(default_factory=dict)
    stage: float = 0.0  # weight of words naming a later stage (second round, onsite, test)

    def add(self, category: Category, weight: float, why: str, stage: bool = False) -> None:
        self.scores[category] += weight
        self.evidence.setdefault(category, []).append(why)
        if stage:
            self.stage += weight

    def best_content(self) -> float:
        return max(v for c, v in self.scores.items() if c not in (Category.OTHER,
                                                                 Category.AUTO_REPLY))


@dataclass(frozen=True)
class Prepared:
    """A message after the certain rules: either their verdict, or what the model reads."""

    verdict: Classification | None
    text: str = ""
    tokens: tuple[str, ...] = ()
    signals: dict[str, float] = field(default_factory=dict)
    board: _Board | None = None
    timeframe: Timeframe | None = None
    away: tuple[str, float] | None = None


def classify(subject: str, body: str, headers: Mapping[str, str], sender: str,
             sent_on: date, *, model: Model | None = None) -> Classification:
    """Classify one message from the employer's side.

    `sender` is the From address; `sent_on` the message's date in the user's timezone,
    used to turn a stated timeframe or return date into a date. Any of subject, body,
    headers and sender may be empty. Certain signals (RFC 3834 headers, auto-reply subjects,
    job boards) decide alone; otherwise the learned model weighs the wording together with
    the phrase scores of the rules (`learned`). `model` replaces the packaged model (training
    measures a model fitted without the mail it is scored on).
    """
    prepared = prepare(subject, body, headers, sender, sent_on)
    sample = f"{subject}\n{prepared.text}"  # what the language is guessed from
    if prepared.verdict is not None:
        return _with_review(prepared.verdict, sample)
    if not prepared.tokens and set(prepared.signals) <= {"verdict:other"}:
        # Nothing to read and no rule spoke: the model would only repeat its prior.
        return _with_review(Classification(Category.OTHER, 0.5, (_NOTHING,)), sample)
    scored = (model or load_model()).score(prepared.tokens, prepared.signals)
    category = _model_category(scored, prepared)
    confidence = round(scored.probabilities[str(category)], 2)
    evidence = _model_evidence(scored, category) + _rule_evidence(prepared, category)
    unsure = False
    if category == Category.AUTO_REPLY:
        result = _auto_reply(prepared.text, sent_on, evidence[0], confidence)
        result = replace(result, evidence=evidence + result.evidence[1:])
        # A few words and no away note: the model alone cannot be sure (see the constant).
        unsure = not prepared.away and len(prepared.text) < AUTO_REPLY_MIN_TEXT
    else:
        asks = bool(ASKS.search(fold(flatten(prepared.text))))
        result = Classification(category, confidence, evidence, prepared.timeframe,
                                asks_user=asks)
    return _with_review(result, sample, prepared.tokens, unsure=unsure)


def _model_category(scored: Scored, prepared: Prepared) -> Category:
    """The model's label, except where the rules should decide (`_rules_decide`): then a
    phrase the rules know well (a score of RULES_SURE or more) does. A model's auto-reply
    with no away note also needs AUTO_REPLY_AT: a short mail, or one in a language the model
    has mostly seen in templates, looks automatic to it, and calling a person's mail
    automatic would stop the clock on a real conversation. Likewise a rejection with no
    phrase of refusal in the text needs UNPHRASED_NO_AT, else the runner-up stands."""
    ranked = sorted(scored.probabilities, key=scored.probabilities.__getitem__, reverse=True)
    best = scored.probabilities[ranked[0]]
    unnoted_auto = ranked[0] == Category.AUTO_REPLY and not prepared.away
    unphrased_no = (ranked[0] == Category.REJECTION and prepared.board is not None
                    and prepared.board.scores[Category.REJECTION] < _NO_PHRASE)
    if prepared.board and _rules_decide(best, Category(ranked[0]), unnoted_auto, unphrased_no,
                                        prepared.board):
        ruled = _decide(prepared.board)
        if ruled != Category.OTHER and prepared.board.scores[ruled] >= RULES_SURE:
            return ruled
    if unnoted_auto and best < AUTO_REPLY_AT:
        return Category(ranked[1])
    if unphrased_no and best < UNPHRASED_NO_AT:
        return Category(ranked[1])  # its low confidence puts the question to the person
    if ranked[0] == Category.OTHER and _plainly_away(prepared):
        return Category.AUTO_REPLY
    return Category(ranked[0])


def _plainly_away(prepared: Prepared) -> bool:
    """An away note in so many words ("I am out of the office until ...") in mail that says
    nothing the rules know of recruiting: the writer is away, however much signature or
    legal footer around it makes the model read it as ordinary mail."""
    return bool(prepared.away and prepared.away[1] >= 0.9 and prepared.board
                and prepared.board.best_content() < RULES_SURE)


def _rules_decide(probability: float, best: Category, unnoted_auto: bool, unphrased_no: bool,
                  board: _Board) -> bool:
    """Whether the rules' verdict, where they are sure of one, replaces the model's `best`:
    - the model is unsure (below REVIEW_BELOW), and does not say automatic (an away note's
      "for interview requests, write to ..." does not overrule the note);
    - it says automatic with no away note behind it;
    - it says rejection with no phrase of refusal in the text (an acknowledgement's "if you
      are not selected, watch our careers page" reads like a no to the model, word by word);
    - it says something milder than a rejection, short of sure (below _PLAIN_NO_BEATS), over
      a plain phrase of refusal ("we have decided not to move forward"): a missed no drafts
      a nudge to a company that said it. The low confidence sends it to review."""
    if best == Category.AUTO_REPLY:
        return unnoted_auto
    if probability < REVIEW_BELOW or unphrased_no:
        return True
    plain_no = board.scores[Category.REJECTION] >= _PLAIN_NO
    return best != Category.REJECTION and plain_no and probability < _PLAIN_NO_BEATS


def prepare(subject: str, body: str, headers: Mapping[str, str], sender: str,
            sent_on: date, certain: bool = True) -> Prepared:
    """Run the rules: a certain verdict, or the model's inputs. Training passes
    `certain=False` to get the model's inputs for every message."""
    headers = {name.lower(): value for name, value in headers.items()}
    # NFC: a decomposed "u" + diaeresis must fold like "ü"; curly apostrophes like straight.
    subject = unicodedata.normalize("NFC", subject).replace("\u2019", "'").strip()
    text = strip_quoted(unicodedata.normalize("NFC", body).replace("\u2019", "'"))[:MAX_TEXT]
    domain = sender.rpartition("@")[2].lower()
    if certain and (why := _auto_header(headers)):
        return Prepared(_auto_reply(text, sent_on, why, 0.97), text)
    if certain and (match := AUTO_SUBJECT.search(fold(subject))):
        why = f"subject: {subject[match.start():match.end()].strip()}"
        return Prepared(_auto_reply(text, sent_on, why, 0.95), text)
    if certain and domain and senders.is_job_board(domain):
        return Prepared(Classification(Category.OTHER, 0.9, (f"sender is a job board: {domain}",)),
                        text)
    found = _structure(headers, sender.lower(), domain)
    board = _score(subject, text, headers, sender.lower(), found)
    away = _away_note(text, board)
    timeframe = employer_timeframe(text, sent_on)
    if timeframe:
        weight = 2.5 if timeframe.due else 2
        board.add(Category.TIMEFRAME_UPDATE, weight, f"timeframe: {timeframe.phrase}")
    signals = _signals(board, away, timeframe) | {
        f"from:{name}": 1.0 for name, yes in found.items() if yes}
    if not certain:  # what explains the label of mail the model never sees at run time
        for name, seen in (("header", _auto_header(headers)),
                           ("subject", AUTO_SUBJECT.search(fold(subject))),
                           ("board", domain and senders.is_job_board(domain))):
            if seen:
                signals[f"certain:{name}"] = 1.0
    # A reply's subject is the old thread's ("Re: Your application"): with new text below
    # it, it says nothing new, like the quoted history the model never reads either.
    read = "" if text and has_reply_prefix(subject) else subject
    return Prepared(None, text, tuple(words(read, text)), signals, board, timeframe, away)


def _signals(board: _Board, away: tuple[str, float] | None,
             timeframe: Timeframe | None) -> dict[str, float]:
    """The rules' structural findings as model inputs: an away note, a stated timeframe,
    words of a later stage. Not the phrase scores or their verdict: the phrase lists were
    tuned on the same mail the model learns from, so a model fed them learns to repeat the
    lists and inherits their blind spots on new mail instead of reading the wording."""
    signals: dict[str, float] = {}
    if away:
        signals["away"] = 1.0 if away[1] >= 0.9 else 0.5
    if timeframe and not away:  # an away note's "I'll answer tomorrow" is its return
        signals["timeframe"] = 1.0 if timeframe.due else 0.5
    if board.stage:
        signals["stage"] = min(board.stage, 4.0) / 4
    return signals


def _structure(headers: Mapping[str, str], sender: str, domain: str) -> dict[str, bool]:
    """What the headers and the sender say, apart from the wording: a mailing list, bulk
    mail, a relay or its marketing desk, an assessment tool, a scheduler, a no-reply box.
    The rules score them (`_score`) and the model reads them."""
    return {
        "list": any(headers.get(name) for name in ("list-unsubscribe", "list-id")),
        "bulk": bool(BULK_PRECEDENCE.match(headers.get("precedence", ""))),
        "relay": bool(domain) and senders.is_relay(domain),
        "marketing": bool(MARKETING_SENDER.match(sender)),
        "assessment": bool(domain) and senders.is_assessment_tool(domain),
        "scheduler": bool(domain) and senders.is_scheduler(domain),
        "noreply": bool(sender) and senders.is_noreply(sender),
    }


def _with_review(result: Classification, text: str, words: Sequence[str] | None = None,
                 unsure: bool = False) -> Classification:
    """The result with its language (its stop words counted among `words`, the model's,
    when there are some) and whether the person should check it: below REVIEW_BELOW, or
    `unsure` for a reason of the caller's."""
    return replace(result, language=guess_language(text, words),
                   needs_review=unsure or result.confidence < REVIEW_BELOW)


def _model_evidence(scored: Scored, category: Category) -> tuple[str, ...]:
    strongest = scored.strongest(str(category))
    if not strongest:
        return (f"model: {category} at {scored.probabilities[str(category)]:.2f}",)
    return tuple(f"model: '{name}' {lead:+.1f}" for name, lead in strongest)


def _rule_evidence(prepared: Prepared, category: Category) -> tuple[str, ...]:
    assert prepared.board is not None
    found = [e for e in prepared.board.evidence.get(category, [])
             if not e.startswith("timeframe:")][:2]
    if category == Category.AUTO_REPLY and prepared.away:
        found.insert(0, prepared.away[0])
    if prepared.timeframe:
        when = prepared.timeframe.due.isoformat() if prepared.timeframe.due else "no date"
        found.append(f"timeframe: {prepared.timeframe.phrase} ({when})")
    return tuple(found)


def _auto_reply(text: str, sent_on: date, why: str, confidence: float) -> Classification:
    back = return_date(text, sent_on)
    evidence = (why,) + ((f"back on {back.isoformat()}",) if back else ())
    return Classification(Category.AUTO_REPLY, confidence, evidence, return_date=back)


def _away_note(text: str, board: _Board) -> tuple[str, float] | None:
    """An out-of-office note recognised by its words, unless a person clearly wrote it."""
    if not text or PERSONAL_GREETING.match(text):
        return None
    flat = flatten(text)
    folded = fold(flat)
    content = board.best_content()
    # An away note says so first; the recruiting words after it ("for your application,
    # write to ...") do not make it a person's answer.
    if (match := AUTO_BODY.search(folded)) and (content < 4 or match.start() < _AWAY_FIRST):
        return f"text: {flat[match.start():match.end()]}", 0.9
    if content < 3 and (match := AUTO_SYSTEM.search(folded)):
        return f"text: {flat[match.start():match.end()]}", 0.85
    return None


def _score(subject: str, text: str, headers: Mapping[str, str], sender: str,
           found: Mapping[str, bool]) -> _Board:
    """The phrase rules over subject and text, and the points `found` (`_structure`) gives."""
    domain = sender.rpartition("@")[2]
    board = _Board()
    flat = flatten(text)
    _apply(board, flat, fold(flat), 1.0, "text")
    if subject:
        scale = 1.0 if not flat else 0.5 if has_reply_prefix(subject) else 0.75
        _apply(board, subject, fold(subject), scale, "subject")
    relay = found["relay"]
    if found["list"]:
        # RFC 2369 / 2919: a mailing list. Relays add it to transactional mail too.
        name = "list-unsubscribe" if headers.get("list-unsubscribe") else "list-id"
        board.add(Category.OTHER, 1.5 if relay else 3, f"header {name}")
    if found["bulk"]:
        board.add(Category.OTHER, 0.5 if relay else 1.5, "header precedence: bulk")
    if relay and found["marketing"]:
        board.add(Category.OTHER, 2, f"marketing sender at a recruiting tool: {sender}")
    if found["assessment"]:
        board.add(Category.NEXT_ROUND, 2, f"sender is an assessment tool: {domain}", stage=True)
    elif found["scheduler"]:
        board.add(Category.INTERVIEW_INVITE, 1.5, f"sender is a scheduler: {domain}")
    return board


def _apply(board: _Board, original: str, folded: str, scale: float, where: str) -> None:
    """Each rule counts once per place, for its first match that is not negated or
    hypothetical."""
    for index, live in _SCREEN.live(folded):  # the rules whose words it holds (`prefilter`)
        rule = RULES[index]
        for match in rule.pattern.finditer(folded, live):
            if _discounted(rule, folded, match.start()):
                continue
            board.add(rule.category, rule.weight * scale,
                      f"{where}: {original[match.start():match.end()].strip()}", rule.stage)
            break


def _discounted(rule: Rule, folded: str, start: int) -> bool:
    # Windows bounded so that a long text full of near-misses stays linear.
    if rule.negatable and NEGATION.search(folded[max(0, start - 40):start]):
        return True
    window = max(0, start - 300)
    if rule.conditional:
        sentence_start = max(max(folded.rfind(mark, window, start) for mark in ".!?") + 1, window)
        if CONDITION.search(folded, sentence_start, start):
            return True
    if rule.past:
        clause_start = max((m.end() for m in CLAUSE_BREAK.finditer(folded, window, start)),
                           default=window)
        return bool(PAST.search(folded, clause_start, start))
    return False


def _decide(board: _Board) -> Category:
    scores = board.scores
    # A rejection phrase decides on its own unless an offer is just as plain.
    if scores[Category.REJECTION] >= 4 and scores[Category.OFFER] < 4:
        return Category.REJECTION
    best = max(PRIORITY, key=lambda c: (scores[c], -PRIORITY.index(c)))
    if best == Category.INTERVIEW_INVITE and board.stage >= 2:
        return Category.NEXT_ROUND  # scheduling a second round, an onsite, a test
    if scores[best] < 2:
        return Category.OTHER
    return best
