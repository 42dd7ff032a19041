"""Preformatted text that is prose: read as paragraphs, not as a code block.

Some manuals are plain text wrapped at 80 columns and put in HTML as <pre> blocks
(HAProxy's keyword reference is 1,500 of them). Read as code, every sentence of such a
manual is a line of a code block: the answerer cannot quote a sentence of it and the
chunker cannot split it at a sentence. A block is prose when most of its lines are
words; commented code, shell sessions and error output are not, and stay code blocks.
"""

from __future__ import annotations

import re

# A word as prose writes it: maybe quoted or bracketed, maybe followed by punctuation;
# lower case after its first letter ("RuntimeError:" and "SELECT" are not prose words).
_WORD = re.compile(r"^[\"'(\[]?[A-Za-z][a-z'\u2019-]*[.,;:!?)\]\"']*$")
# Lines that open a shell session, a comment or a prompt make the block code, however
# wordy its comments are.
_CODE_LINE = re.compile(r"^\s*(?:\$ |% |# |#!|>>> |// |-- |/\*)")
_SENTENCE_END = re.compile(r"[\w)\"'][.!?](?:\s|$)")
# A prose line has at least this many words, most of them (`_WORD_SHARE`) prose words;
# a prose paragraph has mostly (`_PROSE_SHARE`) prose lines, and so has a prose block.
_PROSE_LINE_WORDS = 4
_WORD_SHARE = 0.7
_PROSE_SHARE = 0.6


def preformatted_blocks(text: str) -> list[str]:
    """The blocks a <pre> element reads as: one line per prose paragraph, or fenced code.

    Paragraphs are judged one by one: a manual's text often holds an indented list or a
    table between its paragraphs, which stays as it was laid out.
    """
    text = text.strip("\n")
    if not text.strip():
        return []
    if any(_CODE_LINE.match(line) for line in text.splitlines()) or not _SENTENCE_END.search(text):
        return [_fenced(text)]
    paragraphs = [p for p in re.split(r"\n[ \t]*\n", text) if p.strip()]
    prose = [_is_prose(paragraph.splitlines()) for paragraph in paragraphs]
    # Most of the block must be prose: a docstring's paragraph inside a function is code.
    prose_lines = sum(
        _line_count(paragraph)
        for paragraph, is_prose in zip(paragraphs, prose, strict=True)
        if is_prose
    )
    if prose_lines < _PROSE_SHARE * _line_count(text):
        return [_fenced(text)]
    return [
        " ".join(paragraph.split()) if is_prose else _fenced(paragraph)
        for paragraph, is_prose in zip(paragraphs, prose, strict=True)
    ]


def _fenced(code: str) -> str:
    code = code.strip("\n")
    return f"```\n{code}\n```"


def _line_count(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.strip())


def _is_prose(lines: list[str]) -> bool:
    lines = [line for line in lines if line.strip()]
    return bool(lines) and sum(map(_is_prose_line, lines)) >= _PROSE_SHARE * len(lines)


def _is_prose_line(line: str) -> bool:
    tokens = line.split()
    # A line opening with a label ("gpg: Good signature") is a log's or a program's output.
    if len(tokens) < _PROSE_LINE_WORDS or not _WORD.match(tokens[0]) or tokens[0][-1] == ":":
        return False
    return sum(bool(_WORD.match(token)) for token in tokens) >= _WORD_SHARE * len(tokens)
