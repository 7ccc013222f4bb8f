"""Words for days, months and numbers, by language, as `dates.fold` leaves them. Data only.

One home per fact: `dates` builds its patterns from these tables and `timeframe` its number
words. Folded means lower case with Latin accents removed ("März" -> "marz", "sábado" ->
"sabado"); Cyrillic and CJK stay as written.
"""

from __future__ import annotations

# Month names as dates use them (genitive in Slavic and Baltic languages, partitive in
# Finnish). One row per month, languages in no particular order; a name that means two
# months in two languages is left out ("listopada" is November in Polish, October in
# Croatian: Polish wins, it is the older entry).
MONTH_NAMES: tuple[tuple[str, ...], ...] = (
    ("january", "jan", "januar", "janvier", "enero", "januari", "gennaio", "janeiro", "stycznia",
     "tammikuuta", "gener", "ledna", "jaanuar", "urtarrila", "xaneiro", "sijecnja", "januara",
     "januarja", "ocak", "января", "січня", "януари", "јануари", "sausio"),
    ("february", "feb", "februar", "fevrier", "febrero", "februari", "febbraio", "fevereiro",
     "lutego", "helmikuuta", "febrer", "unora", "veebruar", "otsaila", "febreiro", "veljace",
     "februara", "februarja", "subat", "февраля", "лютого", "февруари", "vasario"),
    ("march", "mar", "marz", "maerz", "mars", "marzo", "maart", "marts", "marco", "marca",
     "maaliskuuta", "marc", "brezna", "marts", "martxoa", "ozujka", "marcius", "mart",
     "марта", "березня", "март", "kovo"),
    ("april", "apr", "avril", "abril", "aprile", "kwietnia", "huhtikuuta", "dubna", "aprill",
     "apirila", "travnja", "aprila", "aprilis", "nisan", "апреля", "квітня", "април",
     "balandzio"),
    ("may", "mai", "mayo", "mei", "maggio", "maj", "maio", "maja", "toukokuuta", "maig", "kvetna",
     "maiatza", "svibnja", "maja", "majus", "mayis", "мая", "травня", "май", "мај", "geguzes"),
    ("june", "jun", "juni", "juin", "junio", "giugno", "junho", "czerwca", "kesakuuta", "juny",
     "cervna", "juuni", "ekaina", "xuno", "lipnja", "juna", "junija", "junius", "haziran",
     "июня", "червня", "юни", "јуни", "birzelio"),
    ("july", "jul", "juli", "juillet", "julio", "luglio", "julho", "lipca", "heinakuuta",
     "juliol", "cervence", "juuli", "uztaila", "xullo", "srpnja", "jula", "julija", "julius",
     "temmuz", "июля", "липня", "юли", "јули", "liepos"),
    ("august", "aug", "aout", "agosto", "augustus", "augusti", "sierpnia", "elokuuta", "agost",
     "srpna", "abuztua", "kolovoza", "augusta", "avgusta", "augusztus", "agust", "agustos",
     "августа", "серпня", "август", "rugpjucio"),
    ("september", "sep", "sept", "septembre", "septiembre", "setiembre", "settembre",
     "setembro", "wrzesnia", "syyskuuta", "setembre", "zari", "iraila", "rujna", "septembra",
     "szeptember", "eylul", "сентября", "вересня", "септември", "rugsejo"),
    ("october", "oct", "oktober", "octobre", "octubre", "ottobre", "outubro", "pazdziernika",
     "lokakuuta", "rijna", "oktoober", "urria", "oktobra", "oktobra", "ekim", "октября",
     "жовтня", "октомври", "spalio"),
    ("november", "nov", "novembre", "noviembre", "novembro", "listopada", "marraskuuta",
     "listopadu", "azaroa", "studenoga", "novembra", "kasim", "ноября", "листопада", "ноември",
     "lapkricio"),
    ("december", "dec", "dezember", "decembre", "diciembre", "dicembre", "dezembro", "grudnia",
     "joulukuuta", "desembre", "prosince", "detsember", "abendua", "decembro", "prosinca",
     "decembra", "aralik", "декабря", "грудня", "декември", "gruodzio", "desember"),
)

# Weekdays, Monday first. Forms after a preposition are listed too ("до пятницы").
WEEKDAY_NAMES: tuple[tuple[str, ...], ...] = (
    ("monday", "montag", "lundi", "lunes", "maandag", "lunedi", "mandag", "segunda-feira",
     "dilluns", "poniedzialek", "pondeli", "maanantai", "понедельник", "понедельника", "月曜日",
     "星期一", "周一", "週一", "월요일"),
    ("tuesday", "dienstag", "mardi", "martes", "dinsdag", "martedi", "tisdag", "tirsdag",
     "terca-feira", "dimarts", "wtorek", "utery", "tiistai", "вторник", "вторника", "火曜日",
     "星期二", "周二", "週二", "화요일"),
    ("wednesday", "mittwoch", "mercredi", "miercoles", "woensdag", "mercoledi", "onsdag",
     "quarta-feira", "dimecres", "sroda", "streda", "keskiviikko", "среда", "среды", "水曜日",
     "星期三", "周三", "週三", "수요일"),
    ("thursday", "donnerstag", "jeudi", "jueves", "donderdag", "giovedi", "torsdag",
     "quinta-feira", "dijous", "czwartek", "ctvrtek", "torstai", "четверг", "четверга",
     "木曜日", "星期四", "周四", "週四", "목요일"),
    ("friday", "freitag", "vendredi", "viernes", "vrijdag", "venerdi", "fredag", "sexta-feira",
     "divendres", "piatek", "patek", "perjantai", "пятница", "пятницы", "金曜日", "星期五",
     "周五", "週五", "금요일"),
    ("saturday", "samstag", "samedi", "sabado", "zaterdag", "lordag", "sabato", "dissabte",
     "sobota", "lauantai", "суббота", "субботы", "土曜日", "星期六", "周六", "週六", "토요일"),
    ("sunday", "sonntag", "dimanche", "domingo", "zondag", "domenica", "sondag", "diumenge",
     "niedziela", "nedele", "sunnuntai", "воскресенье", "воскресенья", "日曜日", "星期日",
     "星期天", "周日", "週日", "일요일"),
)

# Words for "the" (or "on") between a weekday and its date: "Montag, dem 23.", "le 12 mai".
DATE_ARTICLES = ("the", "den", "dem", "der", "am", "le", "el", "il", "lo", "op", "de", "dia")

# Numbers in promises ("within two weeks", "dans trois semaines", "innerhalb von zwei
# Wochen", "en dos semanas"). Fifteen days is the idiom for two weeks in French and Spanish.
NUMBER_WORDS: dict[str, int] = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14,
    "fifteen": 15, "twenty": 20, "thirty": 30, "couple of": 2, "a couple of": 2, "few": 3,
    "a few": 3, "several": 5,
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "huit": 8, "dix": 10,
    "quinze": 14,
    "ein": 1, "eine": 1, "einer": 1, "einem": 1, "einen": 1, "zwei": 2, "drei": 3, "vier": 4,
    "funf": 5, "sechs": 6, "sieben": 7, "acht": 8, "zehn": 10, "vierzehn": 14,
    "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7,
    "ocho": 8, "diez": 10, "quince": 14,
}

# Function words that say a text is not English: its slashed dates are then day first.
NOT_ENGLISH = (
    "der", "die", "das", "und", "ich", "nicht", "bin", "sie", "ist", "le", "la", "les", "je",
    "vous", "et", "est", "suis", "el", "los", "las", "y", "estoy", "usted", "het", "een", "ik",
    "niet", "ben", "il", "di", "che", "sono", "non", "os", "em", "nao", "estou", "voce", "jag",
    "och", "ar", "jeg", "og", "er", "ikke", "jestem", "nie", "jsem", "na", "olen", "ei",
)
ENGLISH = ("the", "and", "i", "am", "you", "your", "will", "be", "is", "to", "of", "on",
           "until", "with", "for", "my", "back", "office", "out", "we", "our")
