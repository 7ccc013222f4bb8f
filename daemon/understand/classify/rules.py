"""The phrases that say what an employer's mail means, with their weights. Data, no logic.
(Headers, senders and out-of-office notes: `signals.py`.)

Every pattern runs on folded text (lower case, accents removed, whitespace collapsed, curly
apostrophes straightened: `dates.fold`), so "Abwesenheitsnotiz" and "décidé" need no variants.
Weights: 4 is a phrase that decides on its own ("we regret to inform you"), 2 to 3 a strong
hint, 1 or less context. `negatable` rules do not count right after a "not" ("we won't be
extending an offer"); `conditional` ones do not count inside an "if"/"whether" clause ("we
will contact you if we would like to arrange an interview"); `past` ones not after "thanks
for" ("thanks for completing the coding challenge"). `stage` words name a later stage, so
scheduling them is a next round rather than a first interview.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from radiosilence.model import Category
from radiosilence.understand.classify.prefilter import FirstOf


@dataclass(frozen=True)
class Rule:
    category: Category
    weight: float
    pattern: FirstOf  # each branch runs only on texts holding the words it needs (`prefilter`)
    negatable: bool = False
    conditional: bool = False
    stage: bool = False  # names a later stage: scheduling it is a next round, not a first call
    past: bool = False  # after "thanks for ..." or "following ..." it is history, not a plan


def _rules(category: Category, *entries: tuple[float, str] | tuple[float, str, str]) -> list[Rule]:
    made = []
    for entry in entries:
        flags = entry[2] if len(entry) == 3 else ""  # type: ignore[misc]
        made.append(Rule(category, entry[0], FirstOf(re.compile(entry[1])),
                         negatable="n" in flags, conditional="c" in flags, stage="s" in flags,
                         past="p" in flags))
    return made


_W = r"(?:[\w'-]+\s+)"  # one word and its space, for "up to n words in between"
_NEG = r"(?:n't|\bnot|\bunable\s+to|\bno\s+longer|\bnever)\s+"

REJECTION = _rules(
    Category.REJECTION,
    (4, rf"\b(?:decided|chosen|opted|elected|decision)\s+{_W}{{0,2}}?(?:not\s+to|to\s+not)\b"),
    # The choice made, without "other": "we have selected a candidate for the role", "we
    # finally decided on someone", "we have decided that you won't be joining the team".
    (4, r"\b(?:have|has|'ve)\s+(?:now\s+|finally\s+)?(?:hired|selected|appointed|chosen|found)\s+"
        r"(?:a|the|our|that|this)\s+(?:successful\s+|suitable\s+|final\s+)?(?:candidate|person|"
        r"applicant)\s+(?:for|who|that|to)\b|\bdecided\s+on\s+(?:someone|somebody|a\s+candidate|"
        r"another)|\bdecided\s+that\s+you\s+(?:won't|will\s+not|wouldn't|would\s+not)\s+be\b",
     "c"),
    (3, r"\bnot\s+(?:fully\s+|entirely\s+|quite\s+|sufficiently\s+)?convinced\b|"
        r"\b(?:will|do|would)\s+not\s+need\s+you\s+to\s+come\s+back|\bwon't\s+need\s+you\s+to\s+"
        r"come\s+back|\boverqualified\b|\b(?:qualifications|experience)\s+(?:\w+\s+)?"
        r"(?:surpass|exceed)(?:es|s)?\s+(?:the\s+)?(?:role|job|position)", "c"),
    (4, r"\b(?:will|would|shall|can)\s+(?:not|no\s+longer)\s+be\s+(?:further\s+)?considered|"
        r"\bno\s+longer\s+(?:being\s+)?considered|\bnot\s+be\s+considered\s+further|"
        r"\bremoved\s+from\s+(?:further\s+)?consideration|\bnot\s+(?:receive|achieve|reach)\s+"
        r"a\s+passing\s+score", "c"),
    (4, rf"\b(?:decided|chosen|opted|elected|decision|going|gone|went|ended\s+up)\s+{_W}{{0,2}}?"
        rf"(?:to\s+)?(?:move|moving|proceed|proceeding|continue|continuing|go|going|progress|"
        rf"progressing|pursue|hire|hiring|offer|extend|focus|prioriti[sz]e)\s+(?:forward\s+|"
        rf"ahead\s+)?(?:to\s+the\s+next\s+(?:stage|step|round)\s+)?(?:with\s+|on\s+)?(?:an?other|"
        rf"other|different|a\s+different|someone|somebody|"
        rf"an?\s+internal|internal|the\s+other|more\s+(?:senior|experienced)|(?:a\s+"
        rf")?candidates?\s+(?:who|whose|that|with)|applicants?\s+(?:who|whose|that|with))"),
    (4, r"\b(?:chosen|selected|picked|found|hired|appointed|shortlisted|offered\s+the\s+(?:role|"
        r"position|job)\s+to|made\s+an\s+offer\s+to|extended\s+an\s+offer\s+to|(?:gone|going|"
        r"go)\s+with)\s+(?:an?other|a\s+different|a\s+stronger|someone\s+else|the\s+other|other|"
        r"different)\s+(?:[\w-]+\s+)?(?:candidates?|applicants?|person|finalists?|people|"
        r"profiles?)"),
    (4, r"\b(?:pursue|pursuing|proceed(?:ing)?\s+with|mov(?:e|ing)\s+(?:forward|ahead)\s+with|"
        r"continu(?:e|ing)\s+with|progress(?:ing)?\s+with|focus(?:ing)?\s+on)\s+(?:other|"
        r"an?other|different|more\s+suitable|stronger)\s+(?:candidates?|applicants?|profiles?)"),
    (4, rf"{_NEG}{_W}{{0,5}}?(?:mov(?:e|ing)\s+(?:you\s+)?(?:forward|ahead)(?:\s+with\s+(?:your|"
        rf"you)|\s+at\s+this|\s*[.,;!]|\s+on\s+this|\s+in\s+the\s+(?:\w+\s+)?process|$)|"
        rf"proceed(?:ing)?\s+"
        rf"(?:with|further)|progress(?:ing|ed)?\s+(?:you|your|with|further)|advanc(?:e|ing)\s+"
        rf"(?:you|your)|tak(?:e|ing)\s+(?:your|you|it)\s+(?:[\w-]+\s+)?(?:further|forward)|invit"
        rf"(?:e|ing)\s+you\s+(?:to|for|back)|continu(?:e|ing)\s+(?:with\s+)?(?:your|you)|pursu"
        rf"(?:e|ing)\s+your|be\s+progressed|been\s+(?:selected|shortlisted|successful|chosen)|"
        rf"(?:selected|shortlisted|successful)\b|select(?:ed)?\s+(?:you|your)\b|(?:making|make|"
        rf"extend|extending)\s+(?:you\s+)?an\s+offer|offer(?:ing)?\s+you\s+(?:employment|(?:the|"
        rf"a|an)\s+{_W}{{0,2}}?(?:role|position|job|interview|place)))", "c"),
    (4, r"\bregret\s+to\s+(?:inform|tell|advise|let)|\bwith\s+regret|\bwe\s+regret\s+that|"
        r"\bregretfully|\bunsuccessful\b", "c"),
    (4, rf"\b(?:position|role|vacancy|job|requisition|opening|search)\s+{_W}{{0,4}}?(?:has|have|"
        rf"was|is)\s+(?:now\s+)?(?:been\s+)?(?:filled|cancel+ed|closed|withdrawn|"
        rf"(?:put\s+)?on\s+hold|paused)"),
    (4, rf"\b(?:filled|closed|cancel+ed|paused|withdrawn|closing)\s+(?:the|this|that|our|all)\s+"
        rf"{_W}{{0,3}}?(?:position|role|vacancy|search|applications|requisition|opening)"),
    (4, rf"\b(?:decided|felt|concluded|feel|agreed)\s+{_W}{{0,3}}?(?:n't|not)\s+(?:quite\s+)?"
        rf"(?:the\s+|a\s+)?(?:right|good|best|strong)?\s*(?:fit|match)\b"),
    (3, r"(?:n't|\bnot|\bno\s+longer)\s+be\s+hiring|\bno\s+longer\s+hiring|"
        r"\bhir(?:e|ed|ing)\s+internally|\binternal\s+candidate|"
        r"\b(?:in|go\s+in|going\s+in)\s+a\s+different\s+direction"),
    (3, r"(?:n't|\bnot)\s+(?:quite\s+)?(?:the\s+|a\s+)?(?:right|good|best|strong|close)\s+(?:fit|"
        r"match)\b|"
        r"\bdid\s+not\s+meet\s+(?:the|our)\s+(?:\w+\s+)?(?:threshold|bar|requirements|criteria|"
        r"standard)"),
    (3, r"\bcloser\s+(?:fit|match)|\bmore\s+closely\s+(?:match|align)|"
        r"\bbetter\s+(?:match|aligned|suited|fit)|\bstronger\s+match|\bmore\s+aligned|"
        r"\bbetter\s+matche?s?\b"),
    (2.5, r"\bdisappointing\s+news|\bnot\s+(?:the\s+)?(?:good|better|great)\s+news|"
          r"\bisn't\s+better\s+news|\bbad\s+news|\bafraid\s+it's\s+not"),
    (2, r"\bsorry\s+to\s+(?:say|share|tell|let\s+you\s+know|inform)|"
        r"\bcannot\s+provide\s+individual\s+feedback|"
        r"\bunable\s+to\s+provide\s+(?:individual\s+)?feedback"),
    (1.5, rf"\b(?:wish|wishing)\s+you\s+{_W}{{0,3}}?(?:best|luck|success)\s+{_W}{{0,2}}?(?:search|"
          rf"future|career|endeavou?rs|job\s+hunt)"),
    (1.5, r"\b(?:keep|kept|hold\s+on\s+to|retain)\s+(?:your\s+)?(?:cv|details|resume|profile|"
          r"information)\s+(?:on\s+file|for\s+future)|"
          r"\bfor\s+future\s+(?:opportunities|roles|openings|positions|vacancies)|"
          r"\bapply\s+(?:for|to)\s+future|\bremain\s+in\s+our\s+talent"),
    (1.5, r"\b(?:close|hard|difficult|tough)\s+(?:decision|call)\b|\bhardest\s+decisions?|"
          r"\bclose\s+the\s+loop"),
    (1, r"\bsadly\b|\bregrettably\b|\bon\s+this\s+occasion\b"),
    (0.5, r"\bunfortunately\b|\bat\s+this\s+(?:time|stage|point)\b"),
)

# Rejections in French, German, Spanish, Dutch, Italian, Portuguese, Chinese and Japanese,
# in the forms applicant-tracking templates and recruiters use. "c": an acknowledgement
# says the same words inside "if you hear nothing within three weeks, ...".
REJECTION_ABROAD = _rules(
    Category.REJECTION,
    (4, r"\bn'(?:a|ont|avons)\s+(?:\w+\s+){0,2}?(?:ete\s+)?retenue?s?\b|\bne\s+(?:\w+\s+){0,2}?"
        r"(?:retiendrons|retenons|pouvons\s+pas\s+retenir)\b|\bclassee?\s+sans\s+suite", "c"),
    (4, r"\b(?:ne|pas)\s+(?:\w+\s+){0,3}?(?:donner|donnerons|donnons|donnera)\s+(?:\w+\s+){0,2}?"
        r"suite\b|\b(?:ne\s+pas|pas\s+pu)\s+(?:vous\s+|la\s+|le\s+|te\s+)?(?:selectionner|retenir|"
        r"poursuivre\s+(?:le\s+processus|avec\s+(?:vous|toi|votre|ta)|votre|ta))", "c"),
    (4, r"\b(?:regret|regrettons)\s+de\s+(?:vous|t')\s*(?:informer|annoncer|faire\s+part|"
        r"communiquer)|\bau\s+regret\s+de|\bavons\s+le\s+regret", "c"),
    (4, r"\b(?:poursuivre|continuer|continuerons|poursuivons|avancer)\s+(?:\w+\s+){0,3}?avec\s+"
        r"(?:d'autres|un\s+autre|une\s+autre)\s+(?:candidat|profil)|\b(?:retenu|choisi|"
        r"selectionne|privilegie|prefere)\s+(?:\w+\s+){0,2}?(?:un\s+autre|une\s+autre|d'autres)\s+"
        r"(?:candidat|profil)|\bprivilegier\s+un\s+(?:autre\s+)?profil|\b(?:poste|offre)\s+"
        r"(?:\w+\s+){0,3}?(?:a\s+ete|est\s+(?:deja|desormais)?)\s*pourvue?"),
    (3, r"\bne\s+correspond\s+pas\s+(?:\w+\s+){0,2}?(?:a\s+nos|aux|a\s+ce\s+que)", "c"),
    (2.5, r"\b(?:notre|du|le|ce)\s+refus\b"),
    (1.5, r"\b(?:bonne\s+continuation|bonne\s+chance|reussite|succes)\s+(?:\w+\s+){0,3}?"
          r"(?:recherches?|projets|parcours)|\bd'aboutir\s+dans\s+vos\s+recherches"),
    (1, r"\bmalheureusement\b"),
    # German.
    (4, r"\b(?:fur|zugunsten)\s+(?:eine[nrm]?\s+)?(?:andere[nrm]?|weitere[nrm]?)\s+(?:\w+\s+)?"
        r"(?:kandidat|bewerber|profil)|\b(?:stelle|position|vakanz)\s+(?:\w+\s+){0,3}?(?:bereits\s+"
        r"|inzwischen\s+|schon\s+)?(?:besetzt|vergeben)\b"),
    (4, r"\b(?:nicht|keine)\s+(?:\w+\s+){0,3}?(?:berucksichtigen|berucksichtigt|weiter\s+verfolgen|"
        r"weiterverfolgen|positive\s+(?:ruckmeldung|nachricht)|zusage)|\b(?:mussen|muss)\s+(?:wir|"
        r"ich)\s+(?:ihnen|dir)\s+(?:\w+\s+){0,2}?(?:mitteilen|absagen)|\bleider\s+(?:\w+\s+){0,3}?"
        r"absagen|\bzu\s+unserem\s+(?:gro(?:ss|ß)en\s+)?bedauern", "c"),
    (3, r"\babsage\b|\bnicht\s+in\s+die\s+(?:engere|nachste)\s+(?:auswahl|runde)|\bkeine\s+"
        r"(?:gelegenheit|einladung|moglichkeit)\s+zu\s+einem\s+(?:\w+\s+)?(?:gesprach|"
        r"vorstellungsgesprach|interview)", "c"),
    (1.5, r"\bwunsche?n?\s+(?:ihnen|dir)\s+(?:\w+\s+){0,5}?(?:alles\s+gute|viel\s+erfolg)"),
    (1, r"\bleider\b"),
    # Spanish and Portuguese share "lamentamos informar".
    (4, r"\blamentamos\s+(?:\w+\s+){0,2}?(?:informar|comunicar|decir)|\bsentimos\s+(?:informar|"
        r"comunicar)", "c"),
    (4, r"\b(?:continuar|seguir|avanzar|avancar|proseguir)\s+(?:\w+\s+){0,3}?(?:con|com)\s+"
        r"(?:otr|outr)[oa]s?\s+(?:candidat|perfil)|\b(?:elegido|seleccionado|optado\s+por|"
        r"optamos\s+"
        r"por)\s+(?:a\s+)?(?:otr|outr)[oa]s?\s+(?:candidat|perfil)|\b(?:puesto|vacante|posicion|"
        r"vaga)\s+(?:\w+\s+){0,3}?(?:cubiert|ocupad|preenchid)"),
    (4, r"\bno\s+(?:\w+\s+){0,2}?(?:ha|han)\s+sido\s+(?:seleccionad|elegid|aceptad)|\bno\s+"
        r"(?:continuar|seguir\s+adelante|avanzar|continuaremos|avanzaremos|seguiremos)\s+"
        r"(?:\w+\s+){0,2}?con\s+(?:tu|su)\s+(?:candidatura|solicitud|proceso)|\bnao\s+(?:\w+\s+)"
        r"{0,2}?(?:foi|foram)\s+(?:selecionad|aprovad|escolhid)|\bno\s+(?:\w+\s+){0,2}?(?:quedado|"
        r"resultado)\s+seleccionad", "c"),
    (1.5, r"\b(?:deseamos|desejamos)\s+(?:\w+\s+){0,4}?(?:exito|suerte|sucesso|sorte)"),
    (1, r"\blamentablemente\b|\bdesafortunadamente\b|\binfelizmente\b"),
    # Dutch.
    (4, r"\bgekozen\s+voor\s+(?:een\s+)?andere?\s+(?:kandida|sollicitant)|\bniet\s+verder\s+"
        r"(?:te\s+)?gaan\s+met\s+(?:je|jouw|uw)\s+sollicitatie|\bniet\s+(?:uit\s+te\s+nodigen|"
        r"geselecteerd|verder\s+in\s+de\s+procedure)|\bvacature\s+(?:\w+\s+){0,3}?(?:vervuld|"
        r"ingevuld)|\bhelaas\s+(?:\w+\s+){0,6}?(?:laten\s+weten|mededelen)|\bprocedure\s+(?:\w+\s+)"
        r"{0,3}?(?:gestopt|beeindigd|stopgezet)\s+voor\s+(?:jou|u)\b|\b(?:een\s+)?(?:andere\s+)?"
        r"kandidaat\s+gevonden\s+die", "c"),
    (1.5, r"\bwensen\s+(?:je|u)\s+(?:\w+\s+){0,4}?succes"),
    (1, r"\bhelaas\b"),
    # Italian.
    (4, r"\b(?:siamo\s+spiacenti|ci\s+dispiace|con\s+rammarico)\s+(?:\w+\s+){0,2}?(?:di\s+)?"
        r"(?:comunicar|informar)|\bnon\s+(?:\w+\s+){0,2}?(?:e|e\s+stata|sia\s+stata)\s+"
        r"(?:selezionat|accolt)|\bproseguire\s+(?:\w+\s+){0,3}?con\s+altr[ie]\s+candidat|"
        r"\bposizione\s+(?:\w+\s+){0,3}?(?:gia\s+)?(?:stata\s+)?coperta", "c"),
    (1.5, r"\bin\s+bocca\s+al\s+lupo|\bauguri\w*\s+(?:\w+\s+){0,4}?(?:successo|fortuna)"),
    (1, r"\bpurtroppo\b"),
    # Chinese and Japanese: no word boundaries. "添え" and "沿え" are both written.
    (4, r"很遗憾|很遺憾|遗憾地通知|遺憾地通知|未能通过|未能通過|不予录用|未被录用|"
        r"未被錄用|未能录取|未能錄取|暂不考虑|暫不考慮|无法为您提供|無法為您提供|見送らせて|"
        r"見送りと|見送ること|ご(?:期待|希望|意向)に(?:添|沿)(?:え|いかね)|貴意に添いかね|"
        r"ご縁がなかった|ご縁がなく|不採用|採用を見合わせ|"
        r"お進み(?:頂|いただ)く(?:事|こと)が(?:出来|でき)ない|採用要件に合致しない", "c"),
    (2, r"残念ながら|今後のご活躍|ご活躍をお祈り|ご健闘をお祈り|成功をお祈り|祝您早日|不太匹配|"
        r"不匹配|很抱歉"),
    # Korean.
    (4, r"불합격|함께하지\s*못하게|함께할\s*수\s*없게|모시지\s*못하게", "c"),
    (2, r"아쉽게도"),
)

OFFER = _rules(
    Category.OFFER,
    (4, rf"\b(?:offer(?:ing)?|extend(?:ing)?)\s+you\s+(?:(?:the|a|an|this|our)\s+{_W}{{0,3}}?"
        rf"(?:role|position|job|internship|contract|post|place|employment|offer)|employment)", "n"),
    (4, r"\b(?:extend|extending|extended|make|making|made)\s+(?:you\s+)?(?:an?|our|the)\s+"
        r"(?:formal\s+|verbal\s+|written\s+|conditional\s+|official\s+)?offer\b(?!\s+to\s+"
        r"(?:another|a\s+different|someone|the\s+other|other))", "n"),
    (4, r"\boffer\s+(?:letter|package|pack|details|docs|documents|paperwork|of\s+employment|"
        r"has\s+been\s+extended|is\s+ready|for\s+the\s+(?:position|role))|"
        r"\b(?:formal|verbal|written|revised|official)\s+offer\b|\bconfirm\s+our\s+offer|"
        r"\baccept\s+(?:the|your|our)\s+offer|\ban\s+offer\s+has\s+been\s+extended|"
        r"\bpleasure\s+to\s+offer\s+you", "n"),
    (3, r"\byour\s+offer\b", "n"),
    (3, r"\b(?:job|role|position)\s+is\s+yours|\byou\s+got\s+the\s+(?:job|role)|"
        r"\byou\s+did\s+it\b|\bwelcome\s+(?:you\s+)?(?:aboard|to\s+the\s+team)|"
        r"\bwant\s+(?:to\s+hire\s+you|you\s+on\s+(?:the|our)\s+team)|\bhire\s+you\b|"
        r"\b(?:have|bring)\s+you\s+(?:join|on\s+board|aboard|onboard)|"
        r"\byou\s+to\s+join\s+(?:us\s*[!.]|us\s+as|the\s+team\s*[!.]|the\s+team\s+as|[\w-]+\s+"
        r"as)|\b(?:love|like|want)\s+(?:for\s+)?you\s+to\s+be\s+our|\bappoint\s+you\b|"
        r"\bletter\s+of\s+appointment|\bit's\s+a\s+yes\b", "n"),
    (1, r"\bcongratulations\b|\bcongrats\b"),
    (1.5, r"\b(?:compensation|salary|base\s+(?:salary|pay)|equity|bonus|benefits|start\s+date|"
          r"starting\s+on|contract|onboarding|background\s+check|docusign|relocation|signed\s+off|"
          r"approvals?)\b"),
)

NEXT_ROUND = _rules(
    Category.NEXT_ROUND,
    (4, r"\binvit(?:e|ing)\s+you\s+(?:back|to\s+(?:a|an|the|our)\s+(?:second|third|final|next|"
        r"follow-?up|technical|panel|onsite|on-site|in-person))", "nc"),
    (4, r"\b(?:move|moving|progress|advance|advancing|take|taking)\s+you\s+(?:forward|on|through|"
        r"to\s+the\s+(?:next|final|second|technical|onsite))|"
        r"\b(?:progressed|through|moved|advanced|shortlisted|selected)\s+(?:on\s+)?(?:to|for)\s+"
        r"the\s+(?:next|final|second|third)\s+(?:stage|round|step)|\bselected\s+to\s+attend|"
        r"\bpassed\s+(?:the|your)\s+(?:first|technical|phone|initial)\s+(?:interview|screen|"
        r"round|stage)|\bpassing\s+the\s+(?:\w+\s+)?screen", "nc"),
    (3, r"\b(?:the\s+)?next\s+(?:step|stage)\s+(?:is|would\s+be|will\s+be)|"
        r"\bas\s+the\s+next\s+step|\bnext\s+up\s+is|\bround\s+(?:two|three|2|3)\b|"
        r"\bready\s+for\s+round|\bthe\s+next\s+step\s*:|\bnext\s+(?:round|stage)\b|"
        r"\binvited\s+(?:you\s+)?(?:by\s+\w+\s+)?to\s+(?:complete|take|attend)|"
        r"\bhas\s+invited\s+you\s+to\s+(?:complete|take)", "ncs"),
    (2, r"\b(?:second|2nd|third|3rd|fourth|final|follow-?up|further|additional|technical|panel|"
        r"onsite|on-site|in-person|face-to-face)\s+(?:\w+\s+)?(?:interview|round|stage|session|"
        r"conversation)s?\b|\bonsite\b|\bon-site\b|\bassessment\s+cent(?:re|er)", "ncsp"),
    (2, r"\btake-?home|\bcoding\s+(?:challenge|test|exercise|assessment)|"
        r"\btechnical\s+(?:test|exercise|assessment|task|round|conversation)|"
        r"\bprogramming\s+test|\bonline\s+(?:test|assessment)|\bassessment\b|\bcase\s+study|"
        r"\bpair(?:ing)?\s+(?:session|programming)|\bsystem\s+design|\bwork\s+sample|"
        r"\bportfolio\s+review|\bdebrief\b|\bpresentation\s+(?:on|to|round)", "ncsp"),
    (2, r"\bcontinue\s+the\s+conversation|\bmeet\s+(?:the\s+)?(?:wider|rest\s+of\s+the)\s+team|"
        r"\bmeet\s+(?:our|the|two\s+of\s+my|some\s+of\s+(?:our|the))\s+(?:ceo|cto|founders?|"
        r"hiring\s+manager|head\s+of|director|vp|leads?|team\s+leads?|engineers)|"
        r"\bmeeting\s+our\s+(?:ceo|cto|founders?)", "ncs"),
    (2, r"二次面接|三次面接|最終面接|第二轮|第二輪|复试|複試|终面|終面|2차\s*면접|최종\s*면접",
     "cs"),
)

INTERVIEW_INVITE = _rules(
    Category.INTERVIEW_INVITE,
    (4, rf"\binvit(?:e|ing)\s+you\s+(?:to|for)\s+(?:an?\s+|the\s+|your\s+)?{_W}?(?:interview|call|"
        rf"chat|conversation|screen|phone\s+screen|meeting)", "nc"),
    (3, rf"\b(?:schedule|arrange|set\s+up|book|line\s+up|organi[sz]e|lock\s+in)\s+(?:an?\s+|"
        rf"your\s+|the\s+|a\s+quick\s+|some\s+)?{_W}{{0,2}}?(?:interview|call|chat|phone\s+screen|"
        rf"screen|screening|conversation|meeting|video\s+call)", "nc"),
    (3, rf"\b(?:your|the|our)\s+{_W}{{0,2}}?(?:interview|call|screen|chat)\s+{_W}{{0,5}}?(?:is|"
        rf"has\s+been|was)\s+(?:now\s+)?(?:confirmed|scheduled|booked|set|moved|rescheduled)"),
    (3, r"\binterview\s+(?:confirmation|invitation|invite|request|scheduled|confirmed|reminder|"
        r"availability)|\bnew\s+event\b|\bevent\s+type\b|"
        r"\bconfirming\s+(?:our|your|the)\s+(?:\w+\s+)?(?:interview|call|chat|meeting)|"
        r"\breminder\s+that\s+your\s+(?:\w+\s+)?interview"),
    (1.5, r"\byour\s+availability|\bwhen\s+(?:are|would|will)\s+you\s+be\s+(?:available|free)|"
          r"\bare\s+you\s+(?:free|available)|"
          r"\bwhat\s+does\s+your\s+(?:week|calendar|schedule|diary)|"
          r"\b(?:times?|windows?|slots?)\s+that\s+(?:work|suit)|"
          r"\b(?:pick|choose|select|book)\s+(?:an?\s+|your\s+|all\s+)?(?:[\w-]+\s+)?(?:times?|"
          r"slots?)\b|\btime\s+slots?|\bcalendly|\bmy\s+calendar", "c"),
    (2, r"\b(?:reschedule|move|push|pushed|moved|shift)\s+(?:our|the|your|tomorrow's|today's|"
        r"\w+day's)\s+(?:\w+\s+)?(?:call|interview|chat|meeting|slot|\d)|\bcan\s+we\s+move\b|"
        r"\bcancel\s+our\s+(?:call|chat|interview)|\bcould\s+we\s+(?:do|reschedule)|"
        r"\bstill\s+good\s+for|\bsee\s+you\s+(?:then|tomorrow|on)|\bspeak\s+then|"
        r"\b(?:does|would)\s+(?:\w+\s+){0,3}(?:work|suit)\b"),
    (2, r"\b(?:intro|introductory|initial|screening|phone|video|discovery|recruiter|quick|"
        r"short)\s+(?:call|chat|screen|conversation|interview)\b|"
        r"\b(?:open\s+to|up\s+for|jump\s+on|hop\s+on|grab)\s+a\s+(?:quick\s+|short\s+|virtual\s+"
        r")?(?:chat|call|coffee)|"
        r"\b(?:love|like)\s+to\s+(?:chat|meet\s+you|get\s+to\s+know\s+you|speak)|"
        r"\bget\s+to\s+know\s+you", "cp"),
    (2, r"\b(?:\w+day's|tomorrow's|today's|upcoming)\s+(?:interview|call|chat|screen)"),
    (1, r"\b(?:mon|tues|wednes|thurs|fri)day\s+at\s+\d{1,2}(?::\d{2})?\s*(?:am|pm)?\b"),
    (1.5, r"\b(?:zoom|teams|google\s+meet|meet)\s+(?:link|invite)|"
          r"\bcalendar\s+(?:invite|invitation)|\bsent\s+(?:over\s+)?the\s+(?:\w+\s+)?invite|"
          r"\bthe\s+invite\b|\binvite\s+(?:is\s+)?on\s+its\s+way|\bphoto\s+id\b|\bat\s+reception"),
)

# Invitations in French, German, Spanish, Dutch, Italian, Portuguese, Chinese, Japanese and
# Korean: an interview, a call or a meeting being set up, a question for the candidate's free
# times, a time noted.
INTERVIEW_INVITE_ABROAD = _rules(
    Category.INTERVIEW_INVITE,
    (3, r"\b(?:planifier|organiser|fixer|caler|programmer|proposer|convenir\s+d')\s*(?:un|une|"
        r"le|la)\s+(?:\w+\s+){0,3}?(?:entretien|echange|appel|rendez-vous|rencontre|visio)\b|"
        r"\b(?:vous|te)\s+(?:inviter|convier|convoquer)\s+(?:a|pour)\s+(?:un|une|le|la)\s+"
        r"(?:\w+\s+){0,2}?(?:entretien|echange|rencontre|rendez-vous)\b|\binvitation\s+(?:a|pour)\s+"
        r"(?:un|une|l')\s*(?:\w+\s+)?(?:entretien|echange)\b", "nc"),
    (3, r"\b(?:einladen|einladung)\s+(?:\w+\s+){0,3}?(?:vorstellungsgesprach|gesprach|interview|"
        r"kennenlerngesprach|telefonat|videocall)|\btermin\s+(?:fur|zu[mr]?)\s+(?:ein(?:em)?\s+|"
        r"das\s+)?(?:\w+\s+)?(?:gesprach|interview|telefonat)\b|"
        # The verb at the end, or split: "zu einem Gespräch einladen", "laden Sie zu ... ein".
        r"\bzu\s+(?:einem|unserem|dem)\s+(?:\w+\s+)?(?:vorstellungsgesprach|gesprach|interview|"
        r"kennenlerngesprach)\s+(?:\w+\s+){0,6}?(?:einladen|einzuladen)\b|\b(?:laden|lade)\s+"
        r"(?:sie|dich|euch)\s+(?:\w+\s+){0,3}?zu\s+(?:einem|unserem|dem)\s+(?:\w+\s+)?"
        r"(?:vorstellungsgesprach|gesprach|interview|kennenlerngesprach)\b", "nc"),
    (3, r"\b(?:invitar(?:te|le)?|convocar(?:te|le)?)\s+a\s+una\s+(?:\w+\s+)?(?:entrevista|"
        r"llamada|reunion)\b|\b(?:agendar|programar|concertar|coordinar|marcar)\s+uma?\s+"
        r"(?:\w+\s+)?(?:entrevista|llamada|reunion|conversa|chamada)\b|\b(?:convida-lo|"
        r"convida-la|convidar)\s+(?:\w+\s+)?para\s+uma\s+(?:\w+\s+)?(?:entrevista|conversa)\b|"
        r"\buitnodig(?:en|ing)\s+voor\s+een\s+(?:\w+\s+)?(?:gesprek|sollicitatiegesprek|"
        r"kennismakingsgesprek|interview)\b|\b(?:invitarla|invitarti|convocarla|convocarti)\s+a\s+"
        r"(?:un|una)\s+(?:\w+\s+)?(?:colloquio|intervista|chiamata)\b|\b(?:fissare|programmare|"
        r"organizzare)\s+(?:un|una)\s+(?:\w+\s+)?(?:colloquio|intervista|chiamata)\b", "nc"),
    (1.5, r"\b(?:vos|tes)\s+disponibilites|\b(?:seriez|serais)[\s-]+(?:vous|tu)\s+disponibles?|"
          r"\bchoisir\s+(?:le|un|votre|ton)\s+creneau|\bwann\s+(?:haben|hatten)\s+sie\s+zeit|"
          r"\bihre\s+verfugbarkeit|\b(?:tu|su)\s+disponibilidad|\bwanneer\s+(?:ben\s+je|bent\s+u)\s+"
          r"beschikbaar|\bla\s+sua\s+disponibilita|\ba\s+sua\s+disponibilidade", "c"),
    (1.5, r"\bc'est\s+note\s+pour\s+(?:lundi|mardi|mercredi|jeudi|vendredi|demain|le\s+\d)"),
    (1.5, r"\b(?:recu|recevoir|envoye)\s+(?:une|l')\s*invitation\b"),
    # Chinese, Japanese and Korean: no word boundaries.
    (3, r"邀请您(?:参加|进行|来)|邀請您(?:參加|進行|來)|面试邀请|面試邀請|"
        r"安排(?:一次|一个|一個)?(?:视频|視訊|电话|電話|现场|現場)?(?:面试|面試|面谈|面談)|"
        r"面接のご案内|面(?:接|談)の?日程|面接を(?:お願い|実施|設定)|面接にお越しいただきたく|"
        r"面談をお願い|면접\s*(?:일정|안내|초대)|면접을\s*진행|면접에\s*초대", "c"),
    (1.5, r"ご都合(?:は|の)?(?:いかが|よろしい|よい|の良い)|是否方便|(?:哪个|哪個)时间方便|"
          r"(?:哪个|哪個)時間方便|가능하신지|가능한\s*시간", "c"),
)

APPLICATION_ACK = _rules(
    Category.APPLICATION_ACK,
    (4, r"\b(?:received|receipt\s+of|got)\s+your\s+(?:[\w-]+\s+)?(?:application|cv|resume|"
        r"documents|submission)|"
        rf"\bapplication\s+{_W}{{0,6}}?(?:has\s+been\s+|was\s+|is\s+)?(?:successfully\s+)?"
        rf"(?:received|submitted|reached\s+us|with\s+our)|"
        r"\bsubmitted\s+(?:your|an?|the)\s+application|\bsubmission\s+has\s+been\s+received|"
        r"\bthank(?:s|\s+you)\s+for\s+(?:applying|your\s+application|submitting)|"
        r"\backnowledge\s+receipt|\bconfirms?\s+(?:that\s+)?(?:we\s+have\s+received|receipt)|"
        r"\breached\s+us"),
    (4, r"\bihre\s+bewerbung\b.{0,80}\b(?:erhalten|eingegangen)|\bunterlagen\s+erhalten|"
        r"\bdank\s+fur\s+ihre\s+bewerbung|\bbien\s+recu\s+votre\s+candidature|"
        r"\bmerci\s+pour\s+votre\s+candidature|"
        r"\bhemos\s+recibido\s+(?:tu|su)\s+(?:candidatura|solicitud)|"
        r"\bgracias\s+por\s+(?:tu|su)\s+(?:candidatura|solicitud)|"
        r"\bbedankt\s+voor\s+je\s+sollicitatie|\btack\s+for\s+din\s+ansokan|"
        r"\bgrazie\s+per\s+la\s+(?:tua\s+|sua\s+)?candidatura"),
    (2, r"\bthank(?:s|\s+you)\s+for\s+your\s+interest\s+in"),
    (2, r"\b(?:will|we'll|shall)\s+(?:now\s+)?(?:review|be\s+reviewing|assess|look\s+at|examine|"
        r"read|consider)\s+(?:your|it|all|applications|each|every|them)|\bunder\s+review\b|"
        r"\breview(?:s|ing)?\s+(?:every|each|all)\s+applications?|\bwe\s+read\s+every|"
        r"\b(?:will|to)\s+look\s+at\s+it"),
    (2, rf"\bif\s+(?:your|you|there's|there\s+is|we|you're)\s+{_W}{{0,5}}?(?:match|fit|"
        rf"shortlisted|suitable|like\s+to|would\s+like|move\s+forward|a\s+match)|"
        r"\bonly\s+shortlisted|\bshortlisted\s+candidates\s+will|"
        r"\bhigh\s+volume\s+of\s+applications|\btrack\s+(?:the\s+)?status|"
        r"\bcandidate\s+(?:home|portal)|\bcopy\s+of\s+(?:the\s+information|your\s+application)|"
        r"\bclosing\s+date|\bwhat\s+happens\s+next|\bget\s+back\s+to\s+everyone"),
)

TIMEFRAME_UPDATE = _rules(
    Category.TIMEFRAME_UPDATE,
    (3, r"\b(?:still|currently)\s+(?:\w+\s+)?(?:reviewing|interviewing|deciding|considering|"
        r"assessing|evaluating|gathering|collecting|finali[sz]ing|in\s+(?:the\s+process|"
        r"discussions?)|meeting|working\s+through|waiting|speaking|talking|seeing)|"
        r"\b(?:no|not\s+(?:yet\s+)?(?:made|reached)\s+a|haven't\s+(?:yet\s+)?(?:made|reached)\s+"
        r"a)\s+decision|\bno\s+(?:news|update)\s+yet|"
        r"\bnothing\s+(?:to\s+report|is\s+decided|decided)|\bnothing's\s+decided|"
        r"\bnot\s+forgotten|\bhaven't\s+forgotten|"
        r"\bstill\s+(?:very\s+much\s+)?in\s+the\s+running|\bnothing\s+is\s+decided|"
        r"\bnot\s+decided"),
    (2, r"\b(?:taking|take|takes)\s+(?:\w+\s+){0,3}?(?:longer|more\s+time|a\s+while)|"
        r"\bbehind\s+schedule|\bdelay(?:ed)?\b|"
        r"\bthank(?:s|\s+you)\s+(?:\w+\s+)?for\s+(?:your|the)\s+patience|"
        r"\b(?:sorry|apologies)\s+for\s+the\s+(?:wait|silence|delay)|\bheads-?up|"
        r"\bkeep\s+you\s+posted|\bquick\s+update|"
        r"\bjust\s+(?:a\s+quick\s+note|wanted)\s+to\s+let\s+you\s+know|"
        r"\bappreciate\s+your\s+patience|\bwe're\s+(?:still\s+)?(?:finishing|wrapping\s+up)"),
    (1.5, r"\b(?:get|come)\s+back\s+to\s+you|\blet\s+you\s+know|\bbe\s+in\s+touch|"
          r"\bhear\s+(?:back\s+)?from\s+(?:us|me)|\bupdate\s+you|\breach\s+out"),
)

OTHER = _rules(
    Category.OTHER,
    (2, r"\bunsubscribe|"
        r"\bmanage\s+(?:your\s+)?(?:preferences|subscriptions?|(?:job\s+)?alerts|notifications)|"
        r"\bview\s+(?:this\s+email\s+)?in\s+(?:your\s+)?browser|"
        r"\byou(?:'re|\s+are)\s+receiving\s+this|\bsigned\s+up\s+for|\bsubscribed\s+to|"
        r"\bto\s+stop\s+(?:these|receiving)|\breply\s+stop"),
    (2, r"\bjob\s+alerts?\b|\bnew\s+jobs?\b|"
        r"\bjobs?\s+(?:for\s+you|matching|that\s+match|you\s+may)|\brecommended\s+(?:jobs|roles)|"
        r"\beasy\s+apply|\bapply\s+now|\bapply\s+in\s+one\s+click|\bactively\s+recruiting|"
        r"\bearly\s+applicant|\bis\s+hiring\b|\bhiring\s+now|\binterviewing\s+now|"
        r"\burgently\s+hiring|\b\d+\s+(?:new\s+)?(?:jobs|roles)\b|\btop\s+roles|"
        r"\binvites?\s+you\s+to\s+apply|\binvite\s+you\s+to\s+apply|\bapply\s+to\s+\d+"),
    (2, r"\bwebinar|\bnewsletter|\bregister\s+(?:now|for|today)|\brsvp\b|"
        r"\bdownload\s+(?:the|our)|\bblog\b|\bchangelog|\bproduct\s+update|\bfree\s+trial|"
        r"\btry\s+[\w\s]{0,20}free|\b\d+%\s+off|\blimited\s+time|\bspecial\s+offer|"
        r"\bbiggest\s+offer|\boffer\s+ends|\bthis\s+week(?:'s)?\s+(?:issue|on\s+the)|"
        r"\bin\s+this\s+(?:week's\s+)?issue|"
        r"\binterview\s+(?:tips|questions|prep|preparation|reviews)|\bhiring\s+trends|"
        r"\bmock\s+(?:technical\s+)?interviews?|\bcareers?\s+fair|\btips\s+(?:to|for|on)\b|"
        r"\bviewed\s+your\s+profile|\bupdate\s+your\s+profile|\btalent\s+community|\bsurvey\b|"
        r"\bwas\s+viewed\s+by|\byou\s+applied\s+to\s+\d+|\bprofile\s+views?"),
)

RULES: tuple[Rule, ...] = (*REJECTION, *REJECTION_ABROAD, *OFFER, *NEXT_ROUND, *INTERVIEW_INVITE,
                           *INTERVIEW_INVITE_ABROAD, *APPLICATION_ACK, *TIMEFRAME_UPDATE, *OTHER)

# Ties go to the earlier category: a decision outranks a step, a step outranks news.
PRIORITY = (Category.REJECTION, Category.OFFER, Category.NEXT_ROUND, Category.INTERVIEW_INVITE,
            Category.APPLICATION_ACK, Category.TIMEFRAME_UPDATE, Category.OTHER)

CONDITION = re.compile(
    r"\b(?:if|whether|once(?!\s+(?:again|more))|should\s+you|in\s+(?:the\s+)?(?:case|event)|"
    r"when\s+we\s+(?:would|'d)|"
    r"si|dans\s+l'hypothese|dans\s+le\s+cas|au\s+cas|en\s+l'absence|sans\s+(?:nouvelles|"
    r"reponse|retour)|faute\s+de|falls|sofern|sollten|wenn(?!\s+auch)|en\s+caso|caso|indien|"
    r"mocht|als\s+(?:je|u|we|wij)|qualora|nel\s+caso|se)\b|如果|若|場合")
PAST = re.compile(r"\b(?:thank(?:s|\s+you)(?:\s+\w+)?\s+for|following|after|enjoyed|during|"
                  r"since)\b")
CLAUSE_BREAK = re.compile(r"[,;.!?]|\s[-–—]\s|\b(?:and|but|so|then)\b")
NEGATION = re.compile(r"(?:n't|\bnot|\bnever|\bno|\bunable\s+to|\bcannot)\s+(?:[\w'-]+\s+){0,4}$")
