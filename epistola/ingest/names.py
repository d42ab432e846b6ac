"""Russian names as the original prints them -> the forms the register knows.

A Russian heading declines its names: "Сталин — Кагановичу, Молотову" (recipients in the dative),
"Телеграмма И. В. Сталина В. И. Ленину" (the sender in the genitive). The register lists each
person once, under the translation's spelling ("A. M. Nazaretyan"), with the Cyrillic forms in
`names_other`. This module gives the nominative of a declined surname, a transliteration that
follows the translation's spelling (Назаретян -> Nazaretyan, Дзержинский -> Dzerzhinsky,
Зиновьев -> Zinoviev), and a loose key under which the spellings of one name meet (Zinoviev,
Zinovyev, Zinov'ev; Trotsky, Trotskii, Trotzki). Pure functions; never raise.
"""

from __future__ import annotations

import re
import unicodedata

CYRILLIC = re.compile(r"[\u0400-\u04ff]")

#: Russian letters -> the translation's Latin spelling (BGN/PCGN without diacritics, as the
#: translation spells names: "Pyatakov", "Tsyurupa", "Khlevnyuk", "Ordzhonikidze").
_LETTERS = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    # Ukrainian and Belarusian letters that turn up in names
    "і": "i", "ї": "yi", "є": "ye", "ґ": "g", "ў": "u",
}
_VOWELS = set("аеёиоуыэюяіїє")
#: An initial is one letter (two for Я, Ю, Ё): a "Е." is "E.", never "Ye.".
_INITIALS = {"е": "e", "э": "e", "ё": "yo"}


def is_cyrillic(text: str) -> bool:
    return bool(CYRILLIC.search(text))


def transliterate(text: str) -> str:
    """Cyrillic -> Latin in the translation's spelling; other characters as they are."""
    out: list[str] = []
    words = re.split(r"([^\w]+)", text)
    for i, word in enumerate(words):
        if not word or not is_cyrillic(word):
            out.append(word)
            continue
        initial = len(word) == 1 and i + 1 < len(words) and words[i + 1].startswith(".")
        out.append(_word(word, initial))
    return "".join(out)


def _word(word: str, initial: bool) -> str:
    lower = word.lower()
    if initial and lower in _INITIALS:
        latin = _INITIALS[lower]
    else:
        latin = _spell(lower)
    if word.isupper() and len(word) > 1:
        return latin.upper()
    return latin[:1].upper() + latin[1:] if word[:1].isupper() else latin


def _spell(word: str) -> str:
    out = []
    for i, c in enumerate(word):
        before = word[i - 1] if i else ""
        rest = word[i:]
        if rest in ("ий", "ый") and i > 0:  # Дзержинский -> Dzerzhinsky
            out.append("y")
            break
        if c == "е" and (i == 0 or before in _VOWELS or before in "ъ"):
            out.append("ye")  # Ежов -> Yezhov
        elif c == "е" and before == "ь":
            out.append("ie")  # Зиновьев -> Zinoviev
        else:
            out.append(_LETTERS.get(c, c))
    return "".join(out)


def latin_key(name: str) -> str:
    """A loose key under which spellings of one Latin (or transliterated) name meet."""
    text = transliterate(name) if is_cyrillic(name) else name
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z]", "", text)
    for old, new in (("shch", "sc"), ("kh", "h"), ("zh", "z"), ("tz", "c"), ("ts", "c"),
                     ("ch", "c"), ("x", "ks"), ("w", "v"), ("j", "i"), ("y", "i")):
        text = text.replace(old, new)
    text = re.sub(r"i+", "i", text)
    text = text.replace("ie", "e").replace("ia", "a").replace("iu", "u").replace("io", "o")
    return re.sub(r"(.)\1+", r"\1", text)


# --- the nominative of a declined surname ----------------------------------------------------

#: Surnames that do not decline: Georgian "-дзе", "-швили", "-ия" is declined but "-ли", "-о",
#: "-и", "-ых", "-их" are not.
_INDECLINABLE = re.compile(r"(?:дзе|зе|швили|ли|ых|их|о|(?<!и)и|э)$")


def dative_forms(word: str) -> list[str]:
    """Nominatives a surname in the dative may stand for, likeliest first ("Кагановичу" ->
    ["Каганович"]; "Дзержинскому" -> ["Дзержинский"]; "Кобе" -> ["Коба", "Кобе"]); the word
    itself when it does not look declined ("Орджоникидзе")."""
    lower = word.lower()
    if _INDECLINABLE.search(lower) and not lower.endswith(("ию", "ью")):
        return [word]
    for ending, nominatives in (("скому", ("ский",)), ("цкому", ("цкий",)), ("ому", ("ий", "ой", "ый")),
                                ("ему", ("ий",)), ("ской", ("ская",)), ("цкой", ("цкая",)),
                                ("овой", ("ова",)), ("евой", ("ева",)), ("иной", ("ина",)),
                                ("ии", ("ия",)), ("ью", ("ь",)), ("ю", ("й", "ь")),
                                ("е", ("а", "я", "")), ("у", ("",))):
        if lower.endswith(ending) and len(lower) > len(ending) + 1:
            stem = word[: len(word) - len(ending)]
            return [_match_case(stem + n, word) for n in nominatives]
    return [word]


def genitive_forms(word: str) -> list[str]:
    """Nominatives a surname in the genitive may stand for ("Сталина" -> ["Сталин"],
    "Троцкого" -> ["Троцкий"], "Цюрупы" -> ["Цюрупа"])."""
    lower = word.lower()
    if _INDECLINABLE.search(lower) and not lower.endswith(("ии", "ого", "его")):
        return [word]
    for ending, nominatives in (("ского", ("ский",)), ("цкого", ("цкий",)), ("ого", ("ий", "ой", "ый")),
                                ("его", ("ий",)), ("ской", ("ская",)), ("цкой", ("цкая",)),
                                ("овой", ("ова",)), ("евой", ("ева",)), ("иной", ("ина",)),
                                ("ии", ("ия",)), ("ы", ("а",)), ("я", ("й", "ь", "я")),
                                ("а", ("", "а"))):
        if lower.endswith(ending) and len(lower) > len(ending) + 1:
            stem = word[: len(word) - len(ending)]
            return [_match_case(stem + n, word) for n in nominatives]
    return [word]


def looks_dative(word: str) -> bool:
    """A Russian surname in the dative: "Сталину", "Дзержинскому", "Кобе", "Крупской"."""
    lower = word.lower().strip(".,")
    if not is_cyrillic(lower):
        return False
    if lower.endswith("ии"):
        return True
    if _INDECLINABLE.search(lower):
        return False
    return lower.endswith(("у", "ю", "ому", "ему", "ой")) or (
        lower.endswith("е") and len(lower) > 3)


def looks_genitive(word: str) -> bool:
    """A Russian surname in the genitive: "Сталина", "Троцкого", "Цюрупы"."""
    lower = word.lower().strip(".,")
    if not is_cyrillic(lower):
        return False
    if lower.endswith(("ого", "его", "ии")):
        return True
    return not _INDECLINABLE.search(lower) and lower.endswith(("а", "я", "ы"))


def _match_case(form: str, like: str) -> str:
    return form.upper() if like.isupper() and len(like) > 1 else form
