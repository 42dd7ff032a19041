"""Decode a text file whose encoding nobody declared: UTF-8, else the legacy code page that fits.

charset-normalizer alone misreads Latin-1 prose in French, Italian or Portuguese as a
Central European code page about a third of the time on paragraph-sized files ("la crème"
becomes "la crčme"): the bytes are valid in both, and its statistics favour the wrong one.
So the four Latin code pages are told apart here by two signals that do not depend on the
guess: the language, from its commonest plain-ASCII words (which read the same in every
code page), and whether the accented letters a code page produces belong to that
language's alphabet. cp1252 (a superset of Latin-1's letters) wins ties, being by far the
most common. Text in another script (Cyrillic, Greek, CJK) falls through to
charset-normalizer. A guess that the evidence does not settle comes back with a `doubt`,
which ingest turns into a warning naming the file.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

# Preference order on a tie: Western, Central European, Turkish, Baltic.
LATIN_CODE_PAGES = ("cp1252", "cp1250", "cp1254", "cp1257")

# Each language: the letters it writes beyond ASCII, and its commonest ASCII-only words
# (one-letter words such as "a" or "i" are left out: too many languages share them).
# English has no letters of its own: its accents are in names and words it quotes.
_LANGUAGES = {
    "English": ("", "the of and to in is that for it with as on be this are by"),
    "French": ("àâæçéèêëîïôœùûüÿ", "le la les de des du et un une est que qui dans pour pas sur"),
    "German": ("äöüß", "der die das und ist nicht ein eine zu den mit sich des auf im dem sie"),
    "Spanish": ("áéíñóúüªº", "el la los las de del que en un una es por con para se no su al"),
    "Portuguese": ("áâãàçéêíóôõúªº", "os as de do da dos das que em um uma para com se no na"),
    "Italian": ("àèéìíîòóùú", "il la le di del della che un una per con non sono si in gli"),
    "Catalan": ("àçéèíïòóúü", "el la els les de del que en un una per amb es no al"),
    "Dutch": ("áéëèïóöüú", "de het een en van is dat op te in niet met voor zijn die"),
    "Danish/Norwegian": ("æøåé", "og at det er en til af for med den som har av ikke"),
    "Swedish": ("åäöé", "och att det som en av for med den har inte till om"),
    "Finnish": ("äöåšž", "ja on ei se kun tai ole mutta jos niin"),
    "Icelandic": ("áðéíóúýþæö", "og er sem til ekki um"),
    "Czech": ("áčďéěíňóřšťúůýž", "je se na to do jako ale pro by nebo"),
    "Slovak": ("áäčďéíĺľňóôŕšťúýž", "je sa na to do ako ale pre by alebo"),
    "Polish": ("ąćęłńóśźż", "na to nie jest do jak ale po tak od"),
    "Hungarian": ("áéíóöőúüű", "az egy hogy nem is van meg de ez csak"),
    "Slovenian/Croatian": ("čćđšž", "je na da se za od to ne in"),
    "Romanian": ("ăâîșțşţ", "si de la in cu un pe nu se sau sunt este mai din care"),
    "Turkish": ("çğıİöşüâîû", "bir ve bu da de ile ne olarak veya"),
    "Lithuanian": ("ąčęėįšųūž", "ir yra kad su is ar kaip"),
    "Latvian": ("āčēģīķļņšūž", "un ir ka no ar par uz vai"),
    "Estonian": ("äöõüšž", "ja on ei et see kui ka mis"),
}
_ALPHABETS = {
    name: frozenset(letters + "".join(c.upper() for c in letters if len(c.upper()) == 1))
    for name, (letters, _) in _LANGUAGES.items()
}
_COMMON_WORDS = {name: frozenset(words.split()) for name, (_, words) in _LANGUAGES.items()}
_QUOTED_IN_ENGLISH = ("French", "German", "Spanish", "Portuguese", "Italian", "Dutch", "Swedish")
# A word: a run between blanks, ASCII punctuation and digits. Apostrophes, dashes and the
# Catalan middle dot may sit inside one; any other symbol between two letters is a misread.
_WORD = re.compile(r"[^\s!-@\[-`{-~]+")
_ASCII_WORD = re.compile(r"\b[a-z]{2,}\b")
_INSIDE_WORDS = frozenset("\u2019\u2018\u2010\u2011\u2013\u2014\u00b7")
_MISREAD = ""  # the profile's key for a character no alphabet can hold
SURE_FIT = 0.95
"""Share of a decoding's accented letters its language must hold for the guess to be sure."""
LATIN_FIT = 0.8
"""Below this, no Latin code page explains the text: it is asked of charset-normalizer."""


@dataclass(frozen=True)
class Decoded:
    """Text with the encoding it was read in, and why that is a guess when it is one."""

    text: str
    encoding: str
    doubt: str | None = None


def decode(data: bytes, declared: str | None = None) -> Decoded | None:
    """The text of `data`; None when it is not text in any encoding (a binary file).

    A byte-order mark decides, then valid UTF-8 (it is almost never valid by accident),
    then `declared` (an HTML page's own `<meta charset>`), then the best-fitting code page.
    """
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16: its mark starts the same way
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            text = _try(data, encoding)
            if text is not None:
                return Decoded(text, encoding.removesuffix("-sig"))
    text = _try(data, "utf-8")
    if text is not None:
        return Decoded(text, "utf-8")
    if declared:
        # Browsers read a page declared Latin-1 as cp1252, its superset; so does this.
        encoding = "cp1252" if _codec(declared) in {"iso8859-1", "ascii"} else declared
        text = _try(data, encoding)
        if text is not None:
            return Decoded(text, _codec(encoding) or encoding)
    return _guess_latin(data) or _ask_charset_normalizer(data)


def _codec(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _try(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def languages_of(text: str) -> list[str]:
    """The languages whose common words the text uses most; all of them when it uses none.

    English brings the Western European languages along: a table of package names with
    Spanish headings reads as English, yet its accents are Spanish.
    """
    counts = Counter(_ASCII_WORD.findall(text.lower()))
    scores = {name: sum(counts[word] for word in words) for name, words in _COMMON_WORDS.items()}
    top = max(scores.values())
    if top < 3:  # too little text to tell
        return list(_LANGUAGES)
    found = [name for name, score in scores.items() if score >= top / 2]
    if "English" in found:
        found += [name for name in _QUOTED_IN_ENGLISH if name not in found]
    return found


def _accents(text: str) -> Counter[str]:
    """The non-ASCII characters inside words, each Latin letter as itself, the rest as misreads."""
    found: Counter[str] = Counter()
    for word, count in Counter(_WORD.findall(text)).items():
        if word.isascii():
            continue
        for i, char in enumerate(word):
            if char.isascii() or char in _INSIDE_WORDS:
                continue
            if char.isalpha() and unicodedata.name(char, "").startswith("LATIN"):
                found[char] += count
            elif char.isalpha() or 0 < i < len(word) - 1:
                # A Cyrillic or Greek letter in a Latin code page's output, or "w³a¶nie".
                found[_MISREAD] += count
    return found


def fit(text: str, languages: list[str]) -> float:
    """The largest share of the text's accented letters that one of `languages` writes."""
    accents = _accents(text)
    total = sum(accents.values())
    if not total:
        return 1.0
    covered = max(
        sum(count for char, count in accents.items() if char in _ALPHABETS[language])
        for language in languages
    )
    return covered / total


def _changed_words(text: str, other: str) -> str:
    """The words of `text` that read differently in `other`.

    Both are the same bytes read in two single-byte code pages: equal lengths, aligned.
    """
    pairs = enumerate(zip(text, other, strict=True))
    changed = {i for i, (mine, theirs) in pairs if mine != theirs}
    return " ".join(
        word.group()
        for word in _WORD.finditer(text)
        if any(i in changed for i in range(word.start(), word.end()))
    )


def _guess_latin(data: bytes) -> Decoded | None:
    decodings = {
        encoding: text
        for encoding in LATIN_CODE_PAGES
        if (text := _try(data, encoding)) is not None
    }
    if not decodings:
        return None
    languages = languages_of(next(iter(decodings.values())))
    fits = {encoding: fit(text, languages) for encoding, text in decodings.items()}
    best = max(fits, key=fits.__getitem__)  # the first of equals: the order is a preference
    if fits[best] < LATIN_FIT:
        return None
    # A rival is a reading that fits as well overall and whose own words, where the two
    # readings differ, belong to a language too ("Cioč" is Czech); two readings that are
    # both wrong about one foreign name in a German book are no reason to doubt the book.
    rivals = [
        encoding
        for encoding, text in decodings.items()
        if text != decodings[best]
        and fits[encoding] >= fits[best]
        and fit(_changed_words(text, decodings[best]), languages) >= SURE_FIT
    ]
    doubt = None
    if rivals:
        doubt = f"read as {best}, but {' or '.join(rivals)} would fit as well"
    elif fits[best] < SURE_FIT:
        doubt = f"read as {best}, the closest fit"
    return Decoded(decodings[best], best, doubt)


def _ask_charset_normalizer(data: bytes) -> Decoded | None:
    from charset_normalizer import from_bytes  # only for text in other scripts: rare

    best = from_bytes(data).best()
    if best is None:
        return None
    return Decoded(str(best), best.encoding, f"read as {best.encoding}, a statistical guess")
