"""Tokenisation shared by BM25, the confidence score and the extractive answerer."""

from __future__ import annotations

import re

import sentencex
import Stemmer

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CODE_BLOCK = re.compile(r"^```[^\n]*\n.*?^```[ \t]*$", re.MULTILINE | re.DOTALL)
_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_SENTENCE_END = re.compile(r"(?<=[.?!:;])\s+|\n")
_DIGIT_INSIDE = re.compile(r"[^\W\d_]\d+[^\W\d_]")

# Function words, and the verbs every help question uses ("how long does it take", "what
# happens"), carry no topic; dropping them keeps them from matching every document.
_STOPWORDS = """
    a about after all also am an and any are as at be been before being but by can could
    did do does doing done for from get gets got had has have having he her here hers him
    his how i if in into is it its itself just long many me mean much my myself need no
    nor not now of off on once only or other our ours out over own please same say says
    she should so some such take takes tell than that the their theirs them then there
    these they this those through to too under until up use very want was we were what
    when where which while who whom why will with would you your yours yourself
"""
STOPWORDS = frozenset(_STOPWORDS.split())
_STEMMER = Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    """Lower-case Snowball stems without stop words, in order (repeats kept for BM25)."""
    words = [word for word in _WORD.findall(text.lower()) if word not in STOPWORDS]
    return list(_STEMMER.stemWords(words))


def names_in(text: str) -> list[str]:
    """The words of a question that look like names of things, in order.

    A word names something when it is capitalised inside a sentence ("Heroku"), has
    capitals after its first letter ("PgBouncer", "SSL", "cPanel"), or has a digit between
    letters ("fail2ban"). A sentence's first word counts only by the last two rules, and
    a word ending in digits ("server1", "ws12") is an example value, not a name.
    """
    found = []
    for sentence in _SENTENCE_END.split(text):
        for position, match in enumerate(_WORD.finditer(sentence)):
            word = match.group()
            if (
                any(letter.isupper() for letter in word[1:])
                or _DIGIT_INSIDE.search(word)
                or (position > 0 and word[0].isupper() and len(word) > 1)
            ):
                found.append(word)
    return found


def paragraphs(text: str) -> list[str]:
    """Re-join wrapped lines: blank lines and list items start a new paragraph."""
    found: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or _LIST_ITEM.match(line) or stripped.startswith("#"):
            if current:
                found.append(current)
            current = []
        if stripped and not stripped.startswith("#"):
            current.append(_LIST_ITEM.sub("", stripped))
    if current:
        found.append(current)
    return [" ".join(lines) for lines in found]


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences; a fenced code block or a list item is one sentence.

    sentencex knows abbreviations ("e.g.", "eg.", "Dr."), decimals and version numbers,
    which a split at every full stop cuts in half.
    """
    sentences: list[str] = []
    position = 0
    for code in _CODE_BLOCK.finditer(text):
        sentences.extend(_prose_sentences(text[position : code.start()]))
        sentences.append(code.group())
        position = code.end()
    sentences.extend(_prose_sentences(text[position:]))
    return sentences


def _prose_sentences(text: str) -> list[str]:
    sentences = []
    for paragraph in paragraphs(text):
        pieces: list[str] = []
        for piece in sentencex.segment("en", paragraph):
            # sentencex cuts "sqlite3.Row" after the full stop; a real sentence end is
            # followed by a space, so a piece that ends without one goes on in the next.
            if pieces and pieces[-1] and not pieces[-1][-1].isspace():
                pieces[-1] += piece
            else:
                pieces.append(piece)
        sentences += [piece.strip() for piece in pieces if piece.strip()]
    return sentences
