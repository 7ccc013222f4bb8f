"""Signals outside the wording of the message: automatic-reply headers and subjects,
out-of-office notes in several languages, senders, and questions the user owes an answer to.

Patterns run on folded text (`dates.fold`) unless a comment says otherwise. Data, no logic.
"""

from __future__ import annotations

import re

# RFC 3834 section 5: "auto-replied" marks a response generated to another message; the
# de-facto X-Autoreply / X-Autorespond and Precedence: auto_reply say the same. "auto-generated"
# does not: applicant-tracking systems stamp it on every acknowledgement and rejection.
AUTO_HEADERS = (("auto-submitted", re.compile(r"^\s*auto-replied", re.I)),
                ("x-autoreply", re.compile(r"\S")),
                ("x-autorespond", re.compile(r"\S")),
                ("precedence", re.compile(r"auto[_-]?reply", re.I)))
BULK_PRECEDENCE = re.compile(r"^\s*(?:bulk|list|junk)\b", re.I)

AUTO_SUBJECT = re.compile(
    r"^\s*(?:(?:re|aw|fw|fwd|sv|vs|antw|r)\s*:\s*)?(?:automatic\s+reply|auto-?reply|autoreply|"
    r"auto\s*:|auto-?response|out\s+of\s+(?:the\s+)?office|ooo\b|abwesenheit|abwesend|"
    r"automatische\s+antwort|reponse\s+automatique|absence\s+du\s+bureau|absent(?:e)?\s*:|"
    r"respuesta\s+automatica|fuera\s+de\s+la\s+oficina|automatisch\s+antwoord|afwezig|"
    r"risposta\s+automatica|fuori\s+(?:sede|ufficio)|autosvar|franvaro|automaattinen\s+vastaus|"
    r"resposta\s+automatica|odpowiedz\s+automatyczna|poza\s+biurem|away\s+from)")
# A person saying they are away, in the languages of section 6's inboxes.
AUTO_BODY = re.compile(
    r"\b(?:i\s+am|i'm|i\s+will\s+be|i'll\s+be|i\s+shall\s+be|i\s+am\s+currently|currently)\s+"
    r"(?:currently\s+|now\s+)?(?:out\s+of\s+(?:the\s+)?office|ooo\b|away|on\s+(?:annual\s+|parental\s+"
    r"|maternity\s+|paternity\s+|sick\s+|study\s+)?leave|out\s+on\s+leave|travell?ing|on\s+"
    r"(?:vacation|holiday|holidays|sabbatical|a\s+business\s+trip)|off\s+sick|out\s+of\s+office)|"
    r"\bout\s+of\s+(?:the\s+)?office\s+(?:until|till|today|from|on|and|with)|\b(?:limited|no)\s+"
    r"access\s+to\s+(?:my\s+)?e-?mail|\b(?:e-?mail|message)\s+(?:will\s+not|won't)\s+be\s+"
    r"forwarded|\bhas\s+not\s+been\s+forwarded|\bin\s+my\s+absence|\bwhen\s+i'm\s+back\b|"
    r"\bnicht\s+im\s+(?:buro|haus)|\bausser\s+haus|\bim\s+urlaub|\bin\s+elternzeit|\bnicht\s+"
    r"erreichbar|\bwieder\s+(?:im\s+buro|erreichbar|fur\s+sie\s+da)|\bnicht\s+weitergeleitet|"
    r"\babsente?\s+du\s+bureau|\ben\s+(?:conge|deplacement|vacances)|\bde\s+retour\s+le|"
    r"\ba\s+mon\s+retour|\bfuera\s+de\s+la\s+oficina|\bde\s+(?:vacaciones|viaje)|\bno\s+me\s+"
    r"encuentro|\ba\s+mi\s+regreso|\bregresare|\bvolvere|\bafwezig|\bniet\s+op\s+kantoor|\bmet\s+"
    r"vakantie|\bweer\s+(?:aanwezig|op\s+kantoor|bereikbaar)|\bfuori\s+(?:ufficio|sede)|\bin\s+"
    r"ferie|\bin\s+malattia|\brientrero|\bpa\s+semester|\binte\s+pa\s+kontoret|\btillbaka\s+pa\s+"
    r"kontoret|\bjag\s+ar\s+(?:ledig|tillbaka)|\bpa\s+ferie|\bfora\s+do\s+escritorio|\bde\s+"
    r"ferias|\bna\s+urlopie|\blomalla\b|\bpoissa\s+toimistolta")
# Weaker: a system saying nobody reads this, or calling itself automatic.
AUTO_SYSTEM = re.compile(
    r"\b(?:mailbox|inbox|address)\s+is\s+(?:not|no\s+longer)\s+(?:monitored|checked|in\s+use|read)|"
    r"\bunmonitored\b|\bunattended\s+mailbox|\breplies\s+to\s+this\s+(?:address|e-?mail)\s+are\s+not|"
    r"\bno\s+longer\s+(?:with|at|works\s+(?:at|for)|employed)|\b(?:this\s+is\s+an?\s+)?"
    r"(?:automatic|automated)\s+(?:reply|response)|\bautomatic\s+acknowledg")
# "Hi Jonas," is a person writing; an out-of-office note greets nobody by name.
PERSONAL_GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|dear|hallo|bonjour|hola|hej|ciao|goedendag)\s+(?!there\b|all\b|team\b|"
    r"everyone\b|sir\b|madam\b|candidate\b|applicant\b)[A-Z][\w'-]+")

# Senders that say something about the mail: assessment tools send stages, schedulers slots.
ASSESSMENT_DOMAINS = ("hackerrank.com", "codility.com", "codesignal.com", "karat.io",
                      "hirevue.com", "testgorilla.com")
SCHEDULER_DOMAINS = ("calendly.com", "goodtime.io", "modernloop.io")
# A relay writing from its own marketing desk speaks to its customers, not to candidates.
MARKETING_SENDER = re.compile(r"^(?:marketing|news|newsletters?|hello|info|events?|digest|"
                              r"updates|promo|offers|community|webinars?)[+._-]?[^@]*@")

ASKS = re.compile(
    r"\b(?:could|can|would|will)\s+you\s+(?:please\s+)?(?:send|share|provide|confirm|let\s+(?:me|us)"
    r"\s+know|tell|do|jump|pick|choose|select|book|reply)|\bplease\s+(?:send|share|provide|confirm|"
    r"reply|choose|select|book|pick|let\s+(?:me|us)\s+know)|\blet\s+(?:me|us)\s+know\s+(?:your|if|"
    r"when|whether|what|which)|\bwhat\s+(?:is|are|'s)\s+your|\bwhen\s+(?:would|are|could)\s+you|"
    r"\bare\s+you\s+(?:available|free|able|open)|\bwould\s+you\s+(?:be|like)|\b(?:does|would)\s+"
    r"(?:\w+\s+){0,3}(?:work|suit)\s*(?:for\s+you)?\s*\?|\bwhich\s+works|\bcan\s+you\s+do|"
    r"\bcould\s+we\s+(?:do|reschedule)|\bdid\s+you\s+get|\bwhat\s+does\s+your")
