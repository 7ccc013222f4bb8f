"""The fast classifier gives the answers of a plain one, computed here in the same run: every
pattern as written on every text (`prefilter.plain`), and, for each piece of work the fast
path shares or skips, the plain computation it replaces. On every message of both corpora
and on near-misses generated from them and from the rules' own words."""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import astuple
from datetime import date

import pytest

from radiosilence.model import Timeframe
from radiosilence.parse import date_words, dates
from radiosilence.parse.dates import fold_accents, month_first
from radiosilence.understand.classify import language, learned, scan, timeframe
from radiosilence.understand.classify.classifier import (
    _SCREEN,
    MAX_TEXT,
    classify,
    prepare,
    strip_quoted,
)
from radiosilence.understand.classify.prefilter import plain, split_branches
from radiosilence.understand.classify.rules import RULES
from radiosilence.understand.classify.scan import VOCABULARY
from radiosilence.understand.classify.text import flatten, fold_piece
from tests import classifier_scores, real_corpus

Message = classifier_scores.Message
DAY = date(2025, 3, 4)
# Characters whose folding or word boundaries are special: a capital sigma (its lower case
# depends on its neighbours), a dotted capital I (two characters in lower case), full-width
# and Arabic-Indic digits, curly quotes, accents, Chinese and Korean.
ODD = ["Σ", "ΑΣ", "İ", "ß", "１２", "٣", "\u2019", "é", "Ü", "不在", "부재", "ﬁ", "\t", "\n\n"]
TRIGGERS = ["not", "if", "thanks for", "no longer", "unfortunately,", "we'll let you know by",
            "back on 23 March", "until Friday", "Re:", "—", "%", "n't", "-"]


def _corpus() -> list[Message]:
    return [m for _, _, m in classifier_scores.written_messages()
            + classifier_scores.real_messages(real_corpus.load())]


def _near_misses(messages: Sequence[Message], seed: int) -> list[Message]:
    """Each message with two words glued, a trigger or odd character put in, cut short, or
    its spacing changed; and bodies made of the rules' own words glued to all kinds of
    neighbours."""
    pick = random.Random(seed)
    made: list[Message] = []
    for subject, body, headers, sender, day in messages:
        words = body.split(" ")
        at, other = pick.randrange(len(words)), pick.randrange(len(words))
        glued = words[:at] + [words[at] + words[other]] + words[at + 1:]
        made.append((subject, " ".join(glued), headers, sender, day))
        put = words[:at] + [pick.choice(TRIGGERS + ODD)] + words[at:]
        made.append((subject.upper(), " ".join(put), headers, sender, day))
        made.append(("", body[:pick.randrange(len(body) + 1)], headers, sender, day))
        made.append((subject, body.replace(" ", pick.choice(["  ", "\n", " \t"])), headers,
                     sender, day))
    needs = sorted({w for rule in RULES for leaf in rule.pattern.leaves
                    for clause in leaf.needed or () for w in clause})
    glue = ["", " ", "x", "_", "1", "é", ".", "'", "-", " not ", " we ", " if ", "\n", "Σ"]
    for _ in range(600):
        body = "".join(pick.choice(glue) + pick.choice(needs) for _ in range(pick.randint(1, 14)))
        made.append((pick.choice(["", "Re: x", body[:30]]), body, {}, "hr@acme.example", DAY))
    return made


CORPUS = _corpus()
NEAR = _near_misses(CORPUS, seed=3)


def _prepared(message: Message) -> tuple[object, ...]:
    p = prepare(*message, certain=False)
    assert p.board is not None
    return (p.text, p.tokens, p.signals, p.board.scores, p.board.evidence, p.board.stage,
            p.timeframe, p.away)


@pytest.mark.parametrize("part", ["corpus", "near misses"])
def test_classify_answers_as_the_plain_patterns_do(part: str) -> None:
    """Label, confidence, evidence, timeframe, return date, language, and what the model
    reads, with every pattern run as written on every text."""
    messages = CORPUS if part == "corpus" else NEAR[::3]  # the plain path takes its time
    fast = [(astuple(classify(*m)), _prepared(m)) for m in messages]
    with plain():
        slow = [(astuple(classify(*m)), _prepared(m)) for m in messages]
    assert sum(f != s for f, s in zip(fast, slow, strict=True)) == 0
    assert fast == slow


def test_plain_turns_the_prefilter_off() -> None:
    """So that the comparison above compares two different computations."""
    assert _SCREEN.live("") == []
    with plain():
        assert len(_SCREEN.live("")) == len(RULES)


def _texts() -> list[str]:
    texts = []
    for subject, body, *_ in CORPUS + NEAR:
        text = strip_quoted(body)[:MAX_TEXT]
        texts += [text, fold_accents(flatten(text)), fold_accents(subject), body]
    return texts


TEXTS = _texts()


def test_the_scan_finds_exactly_the_clauses_a_text_holds() -> None:
    clauses = list(enumerate(VOCABULARY._clauses))
    for text in TEXTS[1::4] + TEXTS[2::4]:
        seen = VOCABULARY.seen(text)
        held = sum(1 << n for n, clause in clauses if any(s in text for s in clause))
        assert seen == held, text


def test_the_scan_is_exact_for_every_odd_string_and_when_its_word_cache_fills(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The strings that are not one word ("on-site", "'ll", "%", Hindi) are tested only in
    texts holding their gate character; a full word cache starts again mid-text."""
    monkeypatch.setattr(scan, "_WORD_CACHE", 7)
    clauses = list(enumerate(VOCABULARY._clauses))
    strings = sorted(VOCABULARY._tables.other)
    pick = random.Random(11)
    texts = [f"x{string}y" for string in strings] + [f"{string} é" for string in strings]
    texts += [" ".join(pick.sample(strings, 3) + pick.sample(TEXTS[1].split() or ["a"], 1))
              for _ in range(200)]
    texts += [string[:-1] for string in strings if len(string) > 1]  # one letter short
    for text in texts + TEXTS[1:400:4]:
        held = sum(1 << n for n, clause in clauses if any(s in text for s in clause))
        assert VOCABULARY.seen(text) == held, text


def test_folding_replaces_what_the_table_translates() -> None:
    every = "".join(chr(c) for c in range(0x10000) if not 0xD800 <= c < 0xE000)
    reference = every.translate(dates._FOLD).lower()
    assert fold_accents(every) == reference
    pick = random.Random(5)
    for _ in range(2000):
        text = "".join(pick.choice(every) for _ in range(pick.randint(0, 8)))
        assert fold_accents(text) == text.translate(dates._FOLD).lower()


def test_flattening_is_the_plain_whitespace_substitution() -> None:
    every = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    space = re.compile(r"\s+")
    assert [c for c in every if c.isspace()] == [c for c in every if space.fullmatch(c)]
    pick = random.Random(3)
    pool = [c for c in every if c.isspace()] + list("ab.\u200b\u00ad")
    samples = ["".join(pick.choice(pool) for _ in range(pick.randint(0, 12)))
               for _ in range(3000)]
    for text in TEXTS[::4] + samples:
        assert flatten(text) == space.sub(" ", text).strip(), repr(text)


def test_a_piece_folds_as_that_piece_of_the_fold() -> None:
    # One character for one (what fold_piece needs), a capital sigma the only exception.
    assert all(len(fold_accents(chr(c))) == 1 for c in range(0x10000)
               if not 0xD800 <= c < 0xE000)
    pick = random.Random(9)
    for text in TEXTS[::4] + ["ΑΣ ΑΣx ΑΣ.", "ΟΔΥΣΣΕΥΣ Σ"]:
        for _ in range(5):
            start = pick.randint(0, len(text))
            end = pick.randint(start, len(text))
            assert fold_piece(text, start, end) == fold_accents(text[start:end])


def _reference_words(subject: str, text: str) -> list[str]:
    folded = re.sub(r"\d", "0", fold_accents(f"{subject}\n{text}"))
    return re.findall(r"\w+(?:'\w+)*", folded)[:learned.MAX_WORDS]


def test_the_models_words_are_those_of_the_whole_fold() -> None:
    for subject, body, *_ in CORPUS + NEAR:
        text = strip_quoted(body)[:MAX_TEXT]
        assert learned.words(subject, text) == _reference_words(subject, text)
        assert learned.words(subject, body) == _reference_words(subject, body)
    for odd in ODD:
        assert learned.words(odd, f"x{odd}y 2{odd}3 don't{odd}") == _reference_words(
            odd, f"x{odd}y 2{odd}3 don't{odd}")


def _reference_score(model: learned.Model, tokens: Sequence[str], signals: dict[str, float]
                     ) -> tuple[list[float], dict[str, tuple[list[float], int]], float]:
    """The scorer as it was: one new list of logits per distinct word and bigram, times its
    count. Its probabilities, the weighted parts with their counts, and the scale."""
    parts: dict[str, tuple[list[float], int]] = {}
    count = max(len(tokens) - 1, 0)
    for token, times in Counter(tokens).items():
        grams = learned.word_grams(token)
        count += len(grams) * times
        weighted = [model.weights[g] for g in grams if g in model.weights]
        if weighted:
            parts[token] = ([math.fsum(column) for column in zip(*weighted, strict=True)],
                            times)
    for (first, second), times in Counter(zip(tokens, tokens[1:], strict=False)).items():
        if (weight := model.weights.get(f"b:{first} {second}")) is not None:
            parts[f"{first} {second}"] = (weight, times)
    scale = 1 / math.sqrt(count) if count else 0.0
    logits = list(model.bias)
    for vector, times in parts.values():
        factor = times * scale
        logits = [a + factor * b for a, b in zip(logits, vector, strict=True)]
    for name, value in signals.items():
        if value and (weight := model.weights.get(f"r:{name}")) is not None:
            logits = [a + value * b for a, b in zip(logits, weight, strict=True)]
    return learned.softmax(logits, model.temperature), parts, scale


def test_the_scorer_gives_the_reference_probabilities_and_evidence() -> None:
    """The same probabilities but for rounding in the last bits (the sums run in another
    order), the same scale, and the same strongest words and bigrams for every class."""
    model = learned.load_model()
    for message in CORPUS + NEAR[::7]:
        p = prepare(*message, certain=False)
        fast = model.score(p.tokens, p.signals)
        probabilities, parts, scale = _reference_score(model, p.tokens, p.signals)
        assert list(fast.probabilities.values()) == pytest.approx(probabilities, abs=1e-12)
        assert fast.scale == scale
        for index, category in enumerate(model.classes):
            reference = _reference_strongest(parts, index, scale)
            found = fast.strongest(category)
            assert [name for name, _ in found] == [name for name, _ in reference]
            assert [lead for _, lead in found] == pytest.approx(
                [lead for _, lead in reference], abs=1e-12)


def _reference_strongest(parts: dict[str, tuple[list[float], int]], index: int,
                         scale: float) -> list[tuple[str, float]]:
    ranked = []
    for name, (vector, count) in parts.items():
        others = len(vector) - 1
        lead = (vector[index] - (sum(vector) - vector[index]) / others) * count * scale
        ranked.append((lead, name))
    ranked.sort(reverse=True)
    return [(name, lead) for lead, name in ranked[:3] if lead > 0]


def _reference_sentences(text: str) -> list[str]:
    """The sentence splitter as it was: strings, rejoined."""
    sentences: list[str] = []
    current: list[str] = []
    size = 0
    for piece in re.split(r"(?<=[.!?])\s+", timeframe._flat(text[:MAX_TEXT])):
        if not piece:
            continue
        current.append(piece)
        size += len(piece) + 1
        if size >= timeframe._MAX_SENTENCE or not timeframe._NOT_AN_END.search(piece[-12:]):
            sentences.append(" ".join(current)[:timeframe._MAX_SENTENCE])
            current, size = [], 0
    if current:
        sentences.append(" ".join(current)[:timeframe._MAX_SENTENCE])
    return sentences


def _reference_timeframe(text: str, sent_on: date) -> Timeframe | None:
    """The timeframe as it was read: the whole cue pattern on every sentence's own fold."""
    undated: Timeframe | None = None
    order = month_first(fold_accents(text[:3000]))
    for sentence in _reference_sentences(text):
        folded = fold_accents(sentence)
        cues = [m for m in timeframe._CUE.finditer(folded)
                if not timeframe._NEGATED.search(folded[max(0, m.start() - 12):m.start()])]
        if not cues:
            continue
        found = [f for f in timeframe._candidates(folded, sent_on, order)
                 if not timeframe._TASK.search(timeframe._clause(folded, f.start))]
        if not found:
            continue
        chosen = timeframe._choose(found, cues)
        stated = Timeframe(sentence[chosen.start:chosen.end].strip(), chosen.due, chosen.vague)
        if chosen.due is not None:
            return stated
        undated = undated or stated
    return undated


ODD_BODIES = ["1. " * 3000, "Dr. Moss. " * 200, "x" * 5000, "", " . . ",
              "We'll let you know. " * 80]


def test_sentences_are_the_plain_split() -> None:
    for text in TEXTS[::4] + ODD_BODIES:
        flat = timeframe._flat(text[:MAX_TEXT])
        spans = timeframe._sentences(flat)
        assert [flat[start:end] for start, end in spans] == _reference_sentences(text)


def test_the_timeframe_is_the_one_the_plain_loop_reads() -> None:
    for _, body, _, _, day in CORPUS + NEAR:
        text = strip_quoted(body)[:MAX_TEXT]
        assert timeframe.employer_timeframe(text, day) == _reference_timeframe(text, day)
        assert timeframe.employer_timeframe(body, day) == _reference_timeframe(body, day)
    for body in ODD_BODIES:
        assert timeframe.employer_timeframe(body, DAY) == _reference_timeframe(body, DAY)


def _opcodes(node: object) -> set[str]:
    """Every opcode in a parsed pattern (`re._parser`), "AT" ones with what they assert."""
    found: set[str] = set()
    if hasattr(node, "data"):  # a SubPattern
        node = node.data
    if isinstance(node, tuple) and len(node) == 2 and type(node[0]).__name__ == "_NamedIntConstant":
        found.add(f"AT {node[1]}" if str(node[0]) == "AT" else str(node[0]))
        return found | _opcodes(node[1])
    if isinstance(node, (list, tuple)):
        for part in node:
            found |= _opcodes(part)
    return found


def test_the_promise_pattern_reads_nothing_outside_its_match() -> None:
    """What lets a text with no promise in it skip its sentences (`employer_timeframe`):
    the cue pattern holds no anchor and no look-around, only word boundaries, which a
    sentence's start meets as the space before it does."""
    from re import _parser  # type: ignore[attr-defined]

    codes = _opcodes(_parser.parse(timeframe._CUE.pattern, timeframe._CUE.flags))
    assert "BRANCH" in codes and "AT AT_BOUNDARY" in codes  # the walk reaches inside
    assert not {c for c in codes if c.startswith("AT ") and c != "AT AT_BOUNDARY"}, codes
    assert not codes & {"ASSERT", "ASSERT_NOT", "GROUPREF", "GROUPREF_EXISTS"}, codes
    for sample in ("^x", "x$", "(?=x)y", "(?<!x)y", r"\Bx"):
        assert _opcodes(_parser.parse(sample)) & {"ASSERT", "ASSERT_NOT", "AT AT_BEGINNING",
                                                         "AT AT_END", "AT AT_NON_BOUNDARY"}


def _reference_language(text: str) -> str:
    sample = text[:language._SAMPLE]
    for pattern, code in ((language._KANA, "ja"), (language._HANGUL, "ko"),
                          (language._HAN, "zh"), (language._CYRILLIC, "ru"),
                          (language._GREEK, "el")):
        if len(pattern.findall(sample)) >= 2:
            return code
    counts = dict.fromkeys(language._STOP_WORDS, 0)
    for word in language._WORD.findall(fold_accents(sample)):
        for code in language._LANGUAGES_OF.get(word, ()):
            counts[code] += 1
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ""


def test_the_language_is_the_plain_count() -> None:
    scripts = ["ない", "없", "中文", "нет", "όχι", "ä", "x"]
    for text in TEXTS[::4] + [a + b for a in scripts for b in scripts]:
        assert language.guess_language(text) == _reference_language(text)


def _reference_month_first(folded: str) -> bool:
    """The writer's date order as it was read: each word list one alternation, after the
    order the text's own full slashed dates allow, when they agree."""
    def count(words: Sequence[str]) -> int:
        alternatives = "|".join(sorted(map(re.escape, words), key=len, reverse=True))
        return len(re.findall(rf"\b(?:{alternatives})\b", folded[:3000]))
    full = re.findall(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(?:\d{4}|\d{2})(?![\d/])", folded[:3000])
    stated = {int(day_or_month) <= 12 for day_or_month, other in full
              if (int(day_or_month) > 12) != (int(other) > 12)}
    if len(stated) == 1:
        return stated.pop()
    if re.search(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]", folded[:3000]):
        return True
    english = count(date_words.ENGLISH)
    return english >= 2 and english > 2 * count(date_words.NOT_ENGLISH)


def test_the_date_order_is_the_one_the_word_lists_match() -> None:
    assert all(re.fullmatch(r"\w+", word)
               for word in date_words.ENGLISH + date_words.NOT_ENGLISH)  # runs of \w
    glued = [f"{a}{word}{b}" for word in date_words.ENGLISH + date_words.NOT_ENGLISH
             for a, b in (("", ""), ("x", ""), ("", "_"), ("1", ""), ("é", ""), ("-", "'"))]
    samples = [fold_accents(text) for text in TEXTS] + [
        " ".join(glued[i::7]) for i in range(7)] + [" ".join(glued[i::40]) for i in range(40)]
    for folded in samples:
        assert month_first(folded) == _reference_month_first(folded), folded


def test_the_language_from_the_models_words_is_the_one_from_the_text() -> None:
    """The classifier counts stop words among the words its model reads, not among those of
    the first 2,000 characters. They differ at the edges (a reply's old subject, the cut,
    "from_date" as one word), but on none of the 582 messages the model reads does the
    language."""
    read = 0
    for subject, body, headers, sender, day in CORPUS:
        p = prepare(subject, body, headers, sender, day)
        if p.verdict is not None:  # a certain rule decided: the text is counted
            continue
        read += 1
        sample = f"{subject}\n{p.text}"
        assert language.guess_language(sample, p.tokens) == language.guess_language(sample)
    assert read >= 500  # the test reads what it says


@pytest.mark.parametrize(("source", "split"), [
    (r"\b(?:a|b(?:c|d))", [r"\ba", r"\bb(?:c|d)"]),
    (r"\b(?:x|y)z", [r"\bxz", r"\byz"]),
    (r"(?:(?:a|b)c)d", ["acd", "bcd"]),
    (r"a|b", ["a", "b"]),
    (r"(?:a|b)?c", [r"(?:a|b)?c"]),  # a quantified group is not distributed
    (r"(a|b)c", [r"(a|b)c"]),  # nor a capturing one
    (r"\b(?:a|b)\1", [r"\b(?:a|b)\1"]),  # nor one a back-reference counts
])
def test_split_branches(source: str, split: list[str]) -> None:
    assert split_branches(source) == split
