"""A best guess at the language of a message: its script, else its commonest short words.

Enough to tell a French rejection from an English one, not a general language identifier.
Scripts decide first (kana is Japanese even among kanji, Hangul Korean, Han Chinese,
Cyrillic Russian, Greek Greek); Latin-script text goes to the language whose stop words it
uses most. Returns an ISO 639-1 code, or "" when nothing is recognised. Pure.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from radiosilence.parse.dates import fold_accents

# Short function words, each kept only where it is rare in the other languages listed.
_STOP_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the and you your for with this that have will are we our is of to be "
                    "not thank would from".split()),
    "fr": frozenset("le les des vous votre nous notre pour avec est une pas que qui sur "
                    "dans au aux merci suis sont ce cette".split()),
    "de": frozenset("der die das und ich sie ihre ihr wir nicht ist mit fur bei vom zum auf "
                    "bin den dem sind vielen".split()),
    "es": frozenset("el los las del usted su por con para una que estoy estare hasta muy "
                    "gracias nuestro es".split()),
    "nl": frozenset("het een en ik je u uw wij niet met voor van zijn ben tot op bij dank".split()),
    "it": frozenset("il lo gli della di che per con sono non una al dal sara grazie vostra "
                    "nostro".split()),
    "pt": frozenset("o os da do das dos voce sua seu com para uma nao estou estarei obrigado "
                    "ate em".split()),
}
# word -> the languages it is a stop word of, so that each word is looked up once
_LANGUAGES_OF: dict[str, tuple[str, ...]] = {}
for _code, _words in _STOP_WORDS.items():
    for _word in _words:
        _LANGUAGES_OF[_word] = _LANGUAGES_OF.get(_word, ()) + (_code,)
_WORD = re.compile(r"[a-z']+")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_GREEK = re.compile(r"[\u0370-\u03ff]")
_ANY_SCRIPT = re.compile(r"[\u3040-\u30ff\uac00-\ud7af\u4e00-\u9fff\u0400-\u04ff\u0370-\u03ff]")
_SAMPLE = 2_000  # characters read: the first lines say enough


def guess_language(text: str, words: Iterable[str] | None = None) -> str:
    """The language of `text`. Its stop words are counted among `words`, the folded words
    of the text when the caller has them already (the classifier's model reads them), else
    among those of its first 2,000 characters."""
    sample = text[:_SAMPLE]
    if not sample.isascii() and _ANY_SCRIPT.search(sample):  # else no script has a letter
        for pattern, code in ((_KANA, "ja"), (_HANGUL, "ko"), (_HAN, "zh"), (_CYRILLIC, "ru"),
                              (_GREEK, "el")):
            if len(pattern.findall(sample)) >= 2:
                return code
    if words is None:
        words = _WORD.findall(fold_accents(sample))
    counts = dict.fromkeys(_STOP_WORDS, 0)
    # Only the stop words are counted; each distinct one is then looked up once.
    for word, times in Counter(filter(_LANGUAGES_OF.__contains__, words)).items():
        for code in _LANGUAGES_OF[word]:
            counts[code] += times
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ""
