"""Read supported files into titled sections that remember their heading path."""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Callable
from pathlib import Path

from bs4 import BeautifulSoup, Tag
from langchain_text_splitters import MarkdownHeaderTextSplitter
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from .documents import LoadedFile, Section

logger = logging.getLogger(__name__)

_MARKDOWN_HEADINGS = [("#", "h1"), ("##", "h2"), ("###", "h3"), ("####", "h4")]
_HTML_HEADINGS = ("h1", "h2", "h3", "h4")
_HTML_BLOCKS = ("p", "li", "td", "th", "pre", "blockquote", "dd", "dt")
# get_text(" ") keeps words of adjacent inline tags apart, and punctuation too: re-attach it.
_SPACE_BEFORE_PUNCTUATION = re.compile(r" ([.,;:!?)])")
_EMPHASIS = re.compile(r"(\*\*|__|`)(.+?)\1")
FAQ_QUESTION_KEYS = ("question", "q")
FAQ_ANSWER_KEYS = ("answer", "a")


class UnreadableFileError(Exception):
    """The file is empty, binary or corrupt; ingestion skips it and carries on."""


def load_file(path: Path) -> LoadedFile:
    """Dispatch on the suffix; raise UnreadableFileError for anything that cannot be used."""
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise UnreadableFileError(f"unsupported file type '{path.suffix}'")
    data = path.read_bytes()
    if not data.strip():
        raise UnreadableFileError("the file is empty")
    loaded = loader(path, data)
    if not any(section.text.strip() for section in loaded.sections):
        raise UnreadableFileError("no text could be extracted")
    return loaded


def _decode(data: bytes) -> str:
    # A NUL byte never appears in UTF-8 text; it marks a binary file renamed to .md/.txt.
    if b"\x00" in data[:8192]:
        raise UnreadableFileError("the file looks binary, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableFileError(
            f"not UTF-8 text ({error.reason} at byte {error.start})"
        ) from None


def _title_from_name(path: Path) -> str:
    return path.stem.replace("-", " ").replace("_", " ").strip().capitalize()


def load_markdown(path: Path, data: bytes) -> LoadedFile:
    splitter = MarkdownHeaderTextSplitter(_MARKDOWN_HEADINGS, strip_headers=True)
    sections = []
    title = ""
    # Emphasis markers would show up verbatim in quoted answers.
    text = _EMPHASIS.sub(r"\2", _decode(data))
    for piece in splitter.split_text(text):
        headings = tuple(
            piece.metadata[key] for _, key in _MARKDOWN_HEADINGS if key in piece.metadata
        )
        title = title or piece.metadata.get("h1", "")
        sections.append(Section(piece.page_content, headings))
    return LoadedFile(title or _title_from_name(path), sections)


def load_text(path: Path, data: bytes) -> LoadedFile:
    text = _decode(data)
    first_line = text.strip().splitlines()[0].strip()
    title = first_line if len(first_line) <= 80 else _title_from_name(path)
    return LoadedFile(title, [Section(text, (title,))])


def load_html(path: Path, data: bytes) -> LoadedFile:
    soup = BeautifulSoup(_decode(data), "html.parser")
    for noise in soup(["script", "style", "nav", "footer", "header", "noscript"]):
        noise.decompose()
    title_tag = soup.find("title") or soup.find("h1")
    title = title_tag.get_text(" ", strip=True) if title_tag else _title_from_name(path)
    # Walk headings and text blocks in document order, tracking the open heading path.
    headings: list[tuple[int, str]] = []
    sections: list[Section] = []
    lines: list[str] = []

    def flush() -> None:
        if lines:
            sections.append(Section("\n".join(lines), tuple(text for _, text in headings)))
            lines.clear()

    body = soup.body or soup
    for element in body.find_all([*_HTML_HEADINGS, *_HTML_BLOCKS]):
        if not isinstance(element, Tag) or element.find_parent(_HTML_BLOCKS):
            continue
        text = _SPACE_BEFORE_PUNCTUATION.sub(r"\1", " ".join(element.get_text(" ").split()))
        if not text:
            continue
        if element.name in _HTML_HEADINGS:
            flush()
            level = int(element.name[1])
            headings = [(lvl, name) for lvl, name in headings if lvl < level]
            headings.append((level, text))
        else:
            lines.append(text)
    flush()
    return LoadedFile(title, sections)


def load_pdf(path: Path, data: bytes) -> LoadedFile:
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
        metadata_title = reader.metadata.title if reader.metadata else None
    except (PyPdfError, ValueError, KeyError, OSError) as error:
        raise UnreadableFileError(f"corrupt PDF ({error})") from None
    title = (metadata_title or "").strip() or _title_from_name(path)
    sections = []
    for number, text in enumerate(pages, start=1):
        sections.extend(_pdf_sections(text, (title, f"Page {number}")))
    return LoadedFile(title, sections)


def _looks_like_heading(line: str) -> bool:
    # PDFs keep no heading markup; a short line without closing punctuation is a heading.
    return 0 < len(line) <= 60 and line[0].isupper() and line[-1] not in ".,;:!?"


def _pdf_sections(text: str, page: tuple[str, ...]) -> list[Section]:
    sections: list[Section] = []
    heading: tuple[str, ...] = ()
    lines: list[str] = []
    for line in (line.strip() for line in text.splitlines()):
        if _looks_like_heading(line):
            if lines:
                sections.append(Section("\n".join(lines), page + heading))
            lines, heading = [], () if line == page[0] else (line,)
        elif line:
            lines.append(line)
    if lines:
        sections.append(Section("\n".join(lines), page + heading))
    return sections


def _faq_rows(path: Path, data: bytes) -> list[dict[str, str]]:
    text = _decode(data)
    if path.suffix.lower() == ".csv":
        return [dict(row) for row in csv.DictReader(io.StringIO(text))]
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            raise UnreadableFileError(f"line {number} is not valid JSON") from None
        if not isinstance(row, dict):
            raise UnreadableFileError(f"line {number} is not a JSON object")
        rows.append({str(key): str(value) for key, value in row.items()})
    return rows


def _pick(row: dict[str, str], keys: tuple[str, ...]) -> str:
    lowered = {str(key).strip().lower(): value for key, value in row.items() if key}
    return next((lowered[key].strip() for key in keys if lowered.get(key)), "")


def load_faq(path: Path, data: bytes) -> LoadedFile:
    """Read a FAQ table: one section per row, headed by its question.

    Each answer becomes its own chunk, so a citation points at one FAQ entry.
    """
    rows = _faq_rows(path, data)
    title = _title_from_name(path)
    sections = []
    for row in rows:
        question, answer = _pick(row, FAQ_QUESTION_KEYS), _pick(row, FAQ_ANSWER_KEYS)
        if question and answer:
            sections.append(Section(f"{question}\n{answer}", (title, question)))
    if rows and not sections:
        raise UnreadableFileError("a FAQ table needs 'question' and 'answer' columns")
    return LoadedFile(title, sections)


LOADERS: dict[str, Callable[[Path, bytes], LoadedFile]] = {
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".txt": load_text,
    ".html": load_html,
    ".htm": load_html,
    ".pdf": load_pdf,
    ".csv": load_faq,
    ".jsonl": load_faq,
}
SUPPORTED_SUFFIXES = frozenset(LOADERS)
