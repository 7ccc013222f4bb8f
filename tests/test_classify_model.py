"""The learned model beside the rules: its file, its fast scorer, how it joins the rules, and
the language guesser. No real-corpus text here: messages are written for these tests."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from datetime import date

import pytest

from radiosilence.model import Category
from radiosilence.understand.classify import learned
from radiosilence.understand.classify.classifier import (
    AUTO_REPLY_AT,
    AUTO_REPLY_MIN_TEXT,
    REVIEW_BELOW,
    classify,
    prepare,
)
from radiosilence.understand.classify.language import guess_language
from radiosilence.understand.classify.learned import (
    MODEL_FILE,
    Model,
    features,
    load_model,
    softmax,
    words,
)
from tests import classifier_scores

DAY = date(2025, 3, 4)


def test_the_model_file_is_small_and_complete() -> None:
    assert MODEL_FILE.stat().st_size < 1_000_000
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    assert data["classes"] == [str(c) for c in Category]
    assert data["temperature"] > 0
    assert all(len(w) == len(Category) for w in data["weights"].values())
    # The rules' structural findings are inputs too (away note, timeframe, sender kinds).
    assert any(name.startswith("r:from:") for name in data["weights"])


def test_the_fast_scorer_equals_the_reference_features() -> None:
    """Per-word caching must not change a single logit."""
    model = load_model()
    for _, _, message in classifier_scores.written_messages()[::15]:
        prepared = prepare(*message, certain=False)
        fast = model.score(prepared.tokens, prepared.signals).probabilities
        slow = softmax(model.logits(features(prepared.tokens, prepared.signals)),
                       model.temperature)
        assert list(fast.values()) == pytest.approx(slow, abs=1e-9)
        assert math.isclose(sum(fast.values()), 1.0)


def test_a_full_word_cache_starts_again_without_changing_a_score(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A mailbox of more distinct words than the cache keeps: each message still scores
    as with a cache that never fills, even one with more new words than the cache holds."""
    roomy = Model(json.loads(MODEL_FILE.read_text(encoding="utf-8")))
    monkeypatch.setattr(learned, "_CACHE_LIMIT", 8)
    small = Model(json.loads(MODEL_FILE.read_text(encoding="utf-8")))
    for _, _, message in classifier_scores.written_messages()[::10]:
        prepared = prepare(*message, certain=False)
        assert small.score(prepared.tokens, prepared.signals) == roomy.score(
            prepared.tokens, prepared.signals)
        assert len(small._grams) <= max(8, len(set(prepared.tokens)))


def test_words_are_folded_and_capped() -> None:
    assert words("Réponse", "Déçu? NON, 2025!") == ["reponse", "decu", "non", "0000"]
    assert len(words("", "word " * 5_000)) == 400


def test_the_package_imports_neither_scikit_learn_nor_numpy() -> None:
    code = ("import sys, datetime; "
            "from radiosilence.understand.classify.classifier import classify; "
            "import radiosilence.cli.classify; "
            "classify('Your application', 'We regret to inform you.', {}, 'a@b.example', "
            "datetime.date(2025, 3, 4)); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'numpy', "
            "'scipy'}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.strip() == "[]"


def test_evidence_names_the_words_that_decided() -> None:
    result = classify("Your application", "Thank you for your time. Unfortunately we have "
                      "decided to move forward with other candidates.", {},
                      "rita@lumenlabs.example", DAY)
    assert result.category == Category.REJECTION
    assert result.evidence[0].startswith("model: '")
    assert any(e.startswith("text: ") for e in result.evidence)  # and the rule's phrase
    assert not result.needs_review


def test_certain_rules_still_decide_alone() -> None:
    header = classify("Interview next week", "We would love to invite you to an interview.",
                      {"Auto-Submitted": "auto-replied"}, "rita@lumenlabs.example", DAY)
    assert header.category == Category.AUTO_REPLY and header.confidence == 0.97
    assert header.evidence[0].startswith("header auto-submitted")
    board = classify("Offer", "We are delighted to offer you the role.", {},
                     "jobs-noreply@linkedin.com", DAY)
    assert board.category == Category.OTHER
    assert board.evidence[0].startswith("sender is a job board")


@pytest.mark.parametrize(("subject", "body", "category"), [
    ("Votre candidature", "Bonjour, après étude attentive de votre dossier, nous sommes au "
     "regret de ne pas pouvoir donner une suite favorable à votre candidature.", "rejection"),
    ("Candidature reçue", "Merci, nous avons bien reçu votre candidature et reviendrons vers "
     "vous.", "application_ack"),
    ("Update", "Thanks for your patience. We are still reviewing applications and expect to "
     "decide within two weeks.", "timeframe_update"),
    ("", "Gracias por su mensaje. Estoy fuera de la oficina hasta el lunes.", "auto_reply"),
])
def test_wording_the_rules_do_not_know(subject: str, body: str, category: str) -> None:
    result = classify(subject, body, {}, "talent@fernwick.example", DAY)
    assert result.category == category, result


def test_an_empty_message_is_other_and_flagged() -> None:
    result = classify("", "", {}, "", DAY)
    assert result.category == Category.OTHER
    assert result.needs_review and result.confidence < REVIEW_BELOW


def test_a_short_personal_note_is_not_taken_for_an_auto_reply_unasked() -> None:
    """In any language: a model that has seen a language mostly in away notes takes a word of
    thanks in it for one, and a recruiter's "Danke!" would stop the clock. Where the model
    still says automatic, or news of another kind, the person is asked first."""
    for body in ("Thanks!", "Sounds good.", "Ok.", "See attached.", "Can you call me?",
                 "Danke!", "Merci, à demain.", "D'accord, merci.", "Gracias, hablamos pronto.",
                 "Perfecto, gracias.", "Grazie mille!", "Obrigado!", "Bedankt!", "Top, tot dan.",
                 "Prima, bis Montag.", "好的，谢谢。", "收到，谢谢！", "ありがとうございます。",
                 "감사합니다."):
        result = classify("", body, {}, "rita@lumenlabs.example", DAY)
        assert result.category == Category.OTHER or result.needs_review, (body, result)
    assert 0.5 <= AUTO_REPLY_AT < 1 and 20 <= AUTO_REPLY_MIN_TEXT <= 80


def test_an_away_note_the_rules_know_is_not_flagged_for_being_short() -> None:
    """The flag of a few words is for the model's guess alone: "Out of office until
    Monday." is an away note in so many words."""
    result = classify("", "Out of office until Monday.", {}, "rita@lumenlabs.example", DAY)
    assert result.category == Category.AUTO_REPLY and not result.needs_review, result


def test_a_model_given_to_classify_replaces_the_packaged_one() -> None:
    """Training scores each fold with a model fitted without it: `classify(model=...)`."""
    packaged = load_model()
    offer = packaged.classes.index("offer")
    leaning = Model({"classes": packaged.classes, "temperature": 1.0, "weights": {},
                     "bias": [9.0 if i == offer else 0.0 for i in range(len(packaged.classes))]})
    body = "Thanks for the call yesterday; the slides are attached."
    assert classify("", body, {}, "rita@lumenlabs.example", DAY).category != Category.OFFER
    chosen = classify("", body, {}, "rita@lumenlabs.example", DAY, model=leaning)
    assert chosen.category == Category.OFFER and chosen.confidence > 0.99


@pytest.mark.parametrize(("text", "language"), [
    ("Thank you for your application, we will be in touch.", "en"),
    ("Nous vous remercions pour votre candidature.", "fr"),
    ("Vielen Dank für Ihre Bewerbung, wir melden uns bei Ihnen.", "de"),
    ("Gracias por tu candidatura, te contactaremos pronto.", "es"),
    ("Bedankt voor je sollicitatie, wij nemen contact met je op.", "nl"),
    ("Grazie per la candidatura, le faremo sapere.", "it"),
    ("Obrigado pela sua candidatura, entraremos em contato com você.", "pt"),
    ("感谢您的申请,我们会尽快联系您。", "zh"),
    ("ご応募ありがとうございます。", "ja"),
    ("Спасибо за ваш отклик.", "ru"),
    ("Ευχαριστούμε για την αίτησή σας.", "el"),
    ("", ""),
    ("12345 !!!", ""),
])
def test_language_guess(text: str, language: str) -> None:
    assert guess_language(text) == language


def _leaning(category: str, probability: float) -> Model:
    """A model with no weights that gives `category` about `probability` whatever it reads."""
    classes = load_model().classes
    rest = (1 - probability) / (len(classes) - 1)
    bias = [math.log(probability if c == category else rest) for c in classes]
    return Model({"classes": classes, "temperature": 1.0, "weights": {}, "bias": bias})


REFUSAL = ("Thank you for your time. After careful review we have decided not to move forward "
           "with your application.")
ACKNOWLEDGEMENT = ("Thanks for applying to Fernhill! We have received your application for the "
                   "Data Analyst role and our recruiters will review it shortly. If you are not "
                   "selected this time, keep an eye on our careers page for new openings.")


def test_a_plain_refusal_outweighs_a_model_that_is_not_sure_of_something_milder() -> None:
    unsure = classify("Your application", REFUSAL, {}, "talent@fernhill.example", DAY,
                      model=_leaning("other", 0.8))
    assert unsure.category == Category.REJECTION
    assert unsure.needs_review  # the model's doubt stays visible: the person is asked
    sure = classify("Your application", REFUSAL, {}, "talent@fernhill.example", DAY,
                    model=_leaning("other", 0.97))
    assert sure.category == Category.OTHER


def test_a_model_rejection_with_no_phrase_of_refusal_gives_way_to_the_rules() -> None:
    result = classify("Thanks for applying", ACKNOWLEDGEMENT, {}, "talent@fernhill.example",
                      DAY, model=_leaning("rejection", 0.95))
    assert result.category == Category.APPLICATION_ACK, result.evidence
    refusal = classify("Your application", REFUSAL, {}, "talent@fernhill.example", DAY,
                       model=_leaning("rejection", 0.95))
    assert refusal.category == Category.REJECTION


def test_an_away_note_wrapped_in_a_long_footer_is_still_automatic() -> None:
    footer = ("This message and any attachments are confidential and intended only for the "
              "addressee. If you received it in error, please notify the sender and delete it. ")
    body = "I am out of the office until 20 March with no access to email.\n\n" + footer * 4
    result = classify("Re: Interview", body, {}, "dana@fernhill.example", DAY,
                      model=_leaning("other", 0.95))
    assert result.category == Category.AUTO_REPLY
    assert result.return_date == date(2025, 3, 21)
    # An invitation from someone who mentions being away is still the invitation.
    invite = ("I am out of the office until Thursday, but we would like to invite you to an "
              "interview next week. Could you send me two times that suit you?")
    assert classify("Interview", invite, {}, "dana@fernhill.example", DAY,
                    model=_leaning("other", 0.95)).category != Category.AUTO_REPLY


def test_a_rejection_needs_a_phrase_of_refusal_or_a_near_certain_model() -> None:
    survey = ("Thanks again for applying to Fernhill! While the talent team looks at your "
              "application, would you tell us how applying felt? The survey takes two minutes.")
    doubted = classify("Tell us how it went", survey, {}, "talent@fernhill.example", DAY,
                       model=_leaning("rejection", 0.9))
    assert doubted.category != Category.REJECTION
    assert doubted.needs_review  # the person is asked what it is
    certain = classify("Tell us how it went", survey, {}, "talent@fernhill.example", DAY,
                       model=_leaning("rejection", 0.995))
    assert certain.category == Category.REJECTION
    phrased = classify("Your application", REFUSAL, {}, "talent@fernhill.example", DAY,
                       model=_leaning("rejection", 0.9))
    assert phrased.category == Category.REJECTION
