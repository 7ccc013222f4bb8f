"""Signals outside the wording of the message: automatic-reply headers and subjects,
out-of-office notes in several languages, senders, and questions the user owes an answer to.

Patterns run on folded text (`dates.fold`) unless a comment says otherwise. Data, no logic.
"""

from __future__ import annotations

import re

from radiosilence.understand.classify.prefilter import FirstOf

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
    r"auto\s*:|auto-?respon|out\s+of\s+(?:the\s+)?office|ooo\b|away\s+(?:from|until|till)|"
    r"on\s+(?:annual\s+|parental\s+)?leave\b|annual\s+leave\b|"
    # German, French, Spanish, Catalan and Galician, Portuguese, Italian, Dutch.
    r"abwesenheit|abwesend|automatische\s+antwort|ich\s+bin\s+(?:weg|nicht\s+da|nicht\s+im\s+"
    r"buro|im\s+urlaub|abwesend)|reponse\s+automatique|absence\s+du\s+bureau|absente?\s*:|"
    r"(?:notification|message|avis)\s+d'absence|respuesta\s+automatica|resposta\s+automatica|"
    r"fuera\s+de(?:l|\s+la)?\s+(?:oficina|trabajo)|fora\s+d[eao]\s+(?:la\s+)?(?:oficina|feina|"
    r"traballo|escritorio)|ausente\b|ausencia\b|absencia\b|risposta\s+automatica|fuori\s+"
    r"(?:sede|ufficio)|assente\b|automatisch\s+antwoord|afwezig|"
    # Nordic, Finnish, Estonian, Basque, Icelandic.
    r"autosvar|franvaro|fravaer|fravær|ikke\s+til\s*stede|(?:ej|inte|ikke)\s+pa\s+kontoret|"
    r"automaattinen\s+vastaus|lomalla|kontorist\s+valjas|lanetik\s+kanpo|er\s+ekki\s+vi[ðd]|"
    # Central and Eastern Europe, Turkish.
    r"resposta\s+automatica|odpowiedz\s+automatyczna|poza\s+biurem|dovolen|odsutnost|odsotnost|"
    r"automaticka\s+odpoved|esu\s+isvyk|ofis\s+disinda|otomatik\s+yanit|sajnalom,?\s+de\s+"
    r"jelenleg|отсут|вне\s+офиса|поза\s+офісом|автоответ|автовідповідь|извън\s+офиса|"
    # Greek, Romanian, Albanian, Serbian, Croatian, Slovenian, Bulgarian, Latvian, Lithuanian.
    r"αυτόματη\s+απάντηση|εκτός\s+γραφείου|raspuns\s+automat|in\s+afara\s+biroului|"
    r"pergjigje\s+automatike|jashte\s+zyres|automatski\s+odgovor|аутоматски\s+одговор|"
    r"van\s+kancelarije|ван\s+канцеларије|izvan\s+ureda|samodejni\s+odgovor|автоматичен\s+"
    r"отговор|automatiska\s+atbilde|arpus\s+biroja|automatinis\s+atsakymas|"
    # Afrikaans, Indonesian and Malay, Vietnamese, Arabic, Hebrew, Persian, Hindi, Thai.
    r"outomatiese\s+antwoord|buite\s+kantoor|balasan\s+(?:otomatis|automatik)|di\s+luar\s+"
    r"(?:kantor|pejabat)|trả\s+lời\s+tự\s+động|vắng\s+mặt|رد\s+(?:آلي|تلقائي)|خارج\s+المكتب|"
    r"מענה\s+אוטומטי|תשובה\s+אוטומטית|מחוץ\s+למשרד|پاسخ\s+خودکار|خارج\s+از\s+دفتر|"
    r"स्वचालित\s+उत्तर|कार्यालय\s+से\s+बाहर|ตอบกลับอัตโนมัติ|ไม่อยู่ที่สำนักงาน|"
    # Chinese, Japanese, Korean.
    r"自动回复|自動回覆|自動回复|自动答复|我现在无法回信|无法回信|無法回信|我暫時未能回信|不在|"
    r"自動返信|自動応答|부재|자동\s*응답)")
# A person saying they are away, in the languages of section 6's inboxes and of the
# translated out-of-office templates that mail servers ship. Searched branch by branch
# (`FirstOf`): each branch's words are rare, their union is not.
AUTO_BODY = FirstOf(re.compile(
    r"\b(?:i\s+am|i'm|i\s+will\s+be|i'll\s+be|i\s+shall\s+be|i\s+am\s+currently|currently)\s+"
    r"(?:currently\s+|now\s+)?(?:out\s+of\s+(?:the\s+)?office|ooo\b|away|on\s+(?:annual\s+|"
    r"parental\s+"
    r"|maternity\s+|paternity\s+|sick\s+|study\s+)?leave|out\s+on\s+leave|travell?ing|on\s+"
    r"(?:vacation|holiday|holidays|sabbatical|a\s+business\s+trip)|off\s+sick|out\s+of\s+office)|"
    r"\bout\s+of\s+(?:the\s+)?office\s+(?:until|till|today|from|on|and|with|for)|\bwe(?:'ll|\s+"
    r"will)\s+be\s+back\s+(?:on|in\s+the\s+office)\b|\b(?:limited|no)\s+"
    r"access\s+to\s+(?:my\s+)?e-?mail|\b(?:e-?mail|message)\s+(?:will\s+not|won't)\s+be\s+"
    r"forwarded|\bhas\s+not\s+been\s+forwarded|\bin\s+my\s+absence|\bwhen\s+i'm\s+back\b|"
    r"\bi\s+(?:will\s+"
    r"not|won't)\s+be\s+(?:available|in\s+the\s+office|reachable|checking)|"
    # The return and the stand-in that out-of-office templates promise in English.
    r"\b(?:on|upon|after)\s+my\s+return\b|\b(?:when|as\s+soon\s+as|once)\s+i\s+(?:return|"
    r"get\s+back|am\s+back)\b|\bi\s+am\s+currently\s+(?:unavailable|not\s+available)\b|"
    r"\b(?:after|once)\s+i(?:'m|\s+am)\s+back\b|\bfor\s+(?:urgent|time[-\s]sensitive|"
    r"immediate)\s+(?:matters|requests|issues|enquiries|inquiries|queries|assistance)\b|"
    r"\bi(?:'m|\s+am)\s+(?:currently\s+)?away\s+(?:from\s+(?:my\s+desk|the\s+office|work)|"
    r"until)\b|\b(?:back|returning)\s+(?:in|to)\s+the\s+office\s+on\b|\bi(?:'ll|\s+will)\s+"
    r"(?:be\s+back|return|be\s+returning)\s+(?:on|to\s+the\s+office)\b|\bi(?:'ll|\s+will)\s+"
    r"(?:respond|reply|get\s+back\s+to\s+you)\s+(?:to\s+(?:your|all|other)\s+(?:\w+\s+)?"
    r"(?:e-?mails?|messages?)\s+)?(?:as\s+soon\s+as\s+(?:possible|i\s+can)\s+)?(?:on|upon|"
    r"after|when)\s+(?:my|i)\b|"
    # German.
    r"\bnicht\s+im\s+(?:buro|haus)|\bau(?:ss|ß)er\s+haus|\bim\s+urlaub|\bin\s+elternzeit|"
    r"\bnicht\s+erreichbar|\bwieder\s+(?:im\s+buro|erreichbar|fur\s+sie\s+da)|\bnicht\s+"
    r"weitergeleitet|\bbin\s+(?:ich\s+)?(?:[\w.]+\s+){0,7}?abwesend|\bnach\s+meiner\s+ruckkehr|"
    r"\bnicht\s+zu\s+hause|\bauf\s+"
    r"(?:dienst|geschafts)reise|\bnicht\s+am\s+platz|\b(?:bin|ist)\s+(?:\w+\s+){0,4}?wieder\s+da\b|"
    r"\berreichen\s+sie\s+mich\s+(?:\w+\s+){0,4}?wieder|"
    # French, Spanish, Catalan, Galician, Portuguese, Italian.
    r"\babsente?\s+du\s+bureau|\b(?:je\s+suis|je\s+serai)\s+(?:actuellement\s+)?absente?\b|"
    r"\ben\s+(?:conge|deplacement|vacances|arret\s+maladie)|\bhors\s+du\s+bureau|\bje\s+n'(?:ai|"
    r"aurai)\s+"
    r"pas\s+acces\s+a\s+(?:mes|ma)|\bdes\s+mon\s+retour|\bje\s+prendrai\s+connaissance\s+de\s+"
    r"votre\s+(?:message|e-?mail|courriel)|\bno\s+estare\s+disponible|\ba\s+mi\s+vuelta|"
    r"\bno\s+tendre\s+acceso|\bacceso\s+limitado\s+al\s+correo|"
    r"\bsaro\s+di\s+ritorno|\bin\s+trasferta|\bnon\s+ho\s+accesso\s+alla\s+posta|\bsem\s+acesso\s+"
    r"(?:ao|a)\s+(?:e-?mail|correio)|\b(?:regressarei|retornarei|voltarei)\b|\bde\s+retour\s+le|"
    r"\ba\s+mon\s+retour|\bfuera\s+de\s+"
    r"la\s+oficina|\bde\s+(?:vacaciones|viaje|vacances|vacacions|ferias)|\bno\s+me\s+encuentro|"
    r"\ba\s+mi\s+regreso|\bregresare|\bvolvere|\b(?:estare|estoy|estarei|estou|sere|estic)\s+"
    r"(?:\w+\s+)?(?:fuera|ausente|fora)\b|\bfora\s+do\s+escritorio|\bfuori\s+(?:ufficio|sede)|"
    r"\bin\s+ferie|\bin\s+malattia|\brientrero|\b(?:saro|sono)\s+(?:\w+\s+)?assente|"
    # Dutch, Nordic, Finnish, Estonian, Basque, Icelandic.
    r"\bafwezig|\bniet\s+op\s+kantoor|\b(?:met|op)\s+vakantie|\bniet\s+aanwezig|\bniet\s+"
    r"doorgestuurd|\bikke\s+pa\s+kontoret|\bholder\s+ferie|\bfrav(?:ae|æ)rende|"
    r"\bjag\s+har\s+inte\s+"
    r"tillgang|\btavoitettavissa|\bpoza\s+biurem|\bnepritomn|\bnem\s+vagyok\s+az\s+irodaban|"
    r"\bhazon\s+kivul|\bofis\s+disinda|не\s+будет\s+в\s+офисе|\bвне\s+офиса|не\s+буде\s+в\s+"
    r"офісі|\bweer\s+(?:aanwezig|op\s+kantoor|"
    r"bereikbaar)|\bpa\s+semester|\binte\s+pa\s+kontoret|\btillbaka\s+pa\s+kontoret|\bjag\s+ar\s+"
    r"(?:ledig|tillbaka|borta)|\bpa\s+ferie|\bikke\s+til\s*stede|\butilgjengelig|\bolen\s+"
    r"(?:lomalla|poissa|kontorist\s+eemal|puhkusel)|\blomalla\b|\bpoissa\s+toimistolta|"
    r"\bkanpoan\s+(?:egongo\s+naiz|nago)|\beg\s+er\s+ekki\s+vi[ðd]|\bi\s+frii\b|"
    # Central and Eastern Europe, Turkish.
    r"\bna\s+urlopie|\b(?:bede|jestem)\s+nieobecn|\bjsem\s+na\s+dovolene|\bsom\s+na\s+dovolenke|"
    r"\bmimo\s+kancelar|\bsam\s+odsut|\bsem\s+odsot|\bna\s+(?:godisnjem\s+odmoru|dopustu)|"
    r"\bnem\s+vagyok\s+e-?mail\s+kozelben|\bszabadsagon\s+vagyok|\besu\s+isvyk|\batostogose\b|"
    r"\bbulunmayacagim|\bizindeyim|буду\s+отсутствовать|\bотсутствую|\bв\s+отпуске|"
    r"\bвідсутн|\bу\s+відпустці|няма\s+да\s+бъда\s+на\s+разположение|\bотсъств|ќе\s+бидам\s+"
    r"отсутен|"
    # Greek, Romanian, Albanian, Serbian, Croatian, Bosnian, Slovenian, Latvian, Lithuanian.
    r"εκτός\s+γραφείου|απουσιάζω|(?:είμαι|βρίσκομαι)\s+σε\s+(?:άδεια|διακοπές)|μόλις\s+"
    r"επιστρέψω|κατά\s+την\s+επιστροφή\s+μου|\bin\s+afara\s+biroului|\b(?:sunt|voi\s+fi)\s+"
    r"(?:\w+\s+)?(?:in\s+concediu|plecat|plecata|absent|absenta)\b|\bla\s+intoarcerea\s+mea|"
    r"\bdupa\s+ce\s+ma\s+intorc|\bjashte\s+zyres|\bne\s+pushime|\bpas\s+kthimit\s+tim|"
    r"\b(?:van\s+kancelarije|izvan\s+ureda)|ван\s+канцеларије|\b(?:sam|cu\s+biti)\s+na\s+"
    r"odmoru|(?:сам|ћу\s+бити)\s+на\s+одмору|\bodsutn[ai]\b|\bodsutan\b|одсутан|"
    r"\b(?:po|nakon)\s+(?:mog\s+)?povratka|по\s+повратку|\bpo\s+(?:moji\s+)?vrnitvi|"
    r"\barpus\s+biroja|\batvalinajuma\b|\batgriezisos\b|\bnebusiu\s+(?:biure|pasiekiam)|"
    r"\bgrisiu\b|"
    # Afrikaans, Indonesian and Malay, Vietnamese, Arabic, Hebrew, Persian, Hindi, Thai.
    r"\bbuite\s+(?:die\s+)?kantoor|\bmet\s+verlof\b|\bdi\s+luar\s+(?:kantor|pejabat)|"
    r"\b(?:sedang|saya)\s+(?:\w+\s+)?(?:cuti|berlibur|bercuti)\b|\bsetelah\s+saya\s+kembali|"
    r"\bsekembalinya\s+saya|vắng\s+mặt|\bngoai\s+van\s+phong|nghỉ\s+phep|"
    r"خارج\s+المكتب|في\s+إجازة|(?:عند|بعد)\s+عودتي|מחוץ\s+למשרד|בחופשה|(?:עם|לאחר)\s+"
    r"שובי|خارج\s+از\s+دفتر|در\s+مرخصی|कार्यालय\s+से\s+बाहर|छुट्टी\s+पर|अवकाश\s+पर|"
    r"ไม่อยู่ที่สำนักงาน|ลาพักร้อน|ลาพักผ่อน|"
    # Chinese, Japanese, Korean: no word boundaries.
    r"出差中|请假中|休年假|休暇中|外出中|출장\s*중|"
    r"无法回信|無法回信|暂时无法回复|暫時無法回覆|不在办公室|不在辦公室|正在休假|不在にして|"
    r"不在です|休暇を|出張中|休假中|席を外して|부재\s*중|부재\s*예정|휴가\s*중"))
# Weaker: a system saying nobody reads this, or calling itself automatic.
AUTO_SYSTEM = FirstOf(re.compile(
    r"\b(?:mailbox|inbox|address)\s+(?:\S+\s+)?is\s+(?:not|no\s+longer)\s+(?:monitored|checked|"
    r"in\s+use|read)|"
    r"\bunmonitored\b|\bunattended\s+mailbox|\breplies\s+to\s+this\s+(?:address|"
    r"e-?mail)\s+are\s+not|"
    r"\bno\s+longer\s+(?:with|at|works?\s+(?:at|for|here)|employed)|\b(?:this\s+is\s+an?\s+)?"
    r"(?:automatic|automated)\s+(?:reply|response)|\bautomatic\s+acknowledg|"
    r"\b(?:ceci\s+est\s+une?|dies\s+ist\s+eine|este\s+es\s+un|dit\s+is\s+een|questo\s+e\s+un|"
    r"esta\s+e\s+uma|ez\s+egy)\s+(?:reponse|message|automatische|mensaje|automatisch|messaggio|"
    r"mensagem|automatikus)\s*(?:automatique|antwort|automatico|antwoord|automatico|automatica|"
    r"uzenet)?|\bsee\s+on\s+automaatne\s+vastus|自动回复|自動回覆|自動返信|自動応答|자동\s*(?:회신|응답)"))
# "Hi Jonas," is a person writing; an out-of-office note greets nobody by name.
PERSONAL_GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|dear|hallo|bonjour|hola|hej|ciao|goedendag)\s+(?!there\b|all\b|team\b|"
    r"everyone\b|sir\b|madam\b|candidate\b|applicant\b)[A-Z][\w'-]+")

# Senders that say something about the mail: assessment tools send stages, schedulers slots.
# A relay writing from its own marketing desk speaks to its customers, not to candidates.
MARKETING_SENDER = re.compile(r"^(?:marketing|news|newsletters?|hello|info|events?|digest|"
                              r"updates|promo|offers|community|webinars?)[+._-]?[^@]*@")

# Only whether it matches is read: searched branch by branch (`FirstOf`).
ASKS = FirstOf(re.compile(
    r"\b(?:could|can|would|will)\s+you\s+(?:please\s+)?(?:send|share|provide|confirm|let\s+(?:me|"
    r"us)"
    r"\s+know|tell|do|jump|pick|choose|select|book|reply)|\bplease\s+(?:send|share|provide|confirm|"
    r"reply|choose|select|book|pick|let\s+(?:me|us)\s+know)|\blet\s+(?:me|us)\s+know\s+(?:your|if|"
    r"when|whether|what|which)|\bwhat\s+(?:is|are|'s)\s+your|\bwhen\s+(?:would|are|could)\s+you|"
    r"\bare\s+you\s+(?:available|free|able|open)|\bwould\s+you\s+(?:be|like)|\b(?:does|would)\s+"
    r"(?:\w+\s+){0,3}(?:work|suit)\s*(?:for\s+you)?\s*\?|\bwhich\s+works|\bcan\s+you\s+do|"
    r"\bcould\s+we\s+(?:do|reschedule)|\bdid\s+you\s+get|\bwhat\s+does\s+your"))
