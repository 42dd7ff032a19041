"""Read supported files into titled sections that remember their heading path."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import re
import stat
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from bs4 import BeautifulSoup, Tag
from bs4.dammit import EncodingDetector
from langchain_text_splitters import MarkdownHeaderTextSplitter
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from .charsets import decode
from .documents import LoadedFile, Section
from .markup import clean_markdown
from .preformatted import preformatted_blocks

logger = logging.getLogger(__name__)

_MARKDOWN_HEADINGS = [("#", "h1"), ("##", "h2"), ("###", "h3"), ("####", "h4")]
_HTML_HEADINGS = ("h1", "h2", "h3", "h4")
# DocBook's and Apache's boxes whose heading or bold title captions their content only.
_ADMONITION_BOXES = frozenset({"note", "tip", "hint", "important", "caution", "warning", "danger"})
_CAPTIONED_BOXES = _ADMONITION_BOXES | {"table", "figure", "example"}
_HTML_BLOCKS = ("p", "li", "td", "th", "pre", "blockquote", "dd", "dt")
# A paragraph that is only bold text, this short, heads what follows (pages whose
# headings are <p><b>...</b></p> would otherwise give every chunk only the page title).
_PSEUDO_HEADING_CHARS = 120
# A one-row table of cells this short, led by one word, heads an entry (Exim's options).
_ENTRY_CELL_CHARS = 60
# Site chrome around the article: menus, sidebars, breadcrumbs, footers, "¶" anchors,
# and DocBook's Prev / Up / Home / Next tables (PostgreSQL's manual, among many).
_HTML_CHROME_TAGS = ["script", "style", "nav", "footer", "header", "noscript", "aside", "form"]
_HTML_CHROME_ROLES = re.compile(r"^(navigation|search|banner|contentinfo|complementary)$")
_HTML_CHROME_NAMES = frozenset(
    {"nav", "navbar", "navigation", "mobile-nav", "menu", "sidebar", "sphinxsidebar"}
    | {"related", "breadcrumb", "breadcrumbs", "footer", "headerlink", "skip-link", "toc"}
    | {"copyright", "cookie-banner", "navheader", "navfooter"}
)
# Word's built-in heading styles: "Title" (level 0), "Heading 1", "Heading 2"...
_HEADING_STYLE = re.compile(r"^(?:Title|Heading (?P<level>[1-9]))$")
# A page title often ends with the site's name: "General Python FAQ — Python 3.11 docs".
_TITLE_SUFFIX = re.compile(r"\s+(?:\u2014|\u2013|\||::)\s+.*$")
# get_text(" ") keeps words of adjacent inline tags apart, and punctuation too: re-attach it.
# ("the .py extension" keeps its space: the full stop starts a word there).
_SPACE_BEFORE_PUNCTUATION = re.compile(r" ([.,;:!?)])(?=\s|$)")
FAQ_QUESTION_KEYS = ("question", "q")
FAQ_ANSWER_KEYS = ("answer", "a")


class UnreadableFileError(Exception):
    """The file is empty, binary or corrupt; ingestion skips it and carries on."""


def load_file(path: Path, data: bytes | None = None) -> LoadedFile:
    """Dispatch on the suffix; raise UnreadableFileError for anything that cannot be used.

    `data` is the file's content when the caller has read it already (ingest hashes it).
    """
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableFileError(f"unsupported file type '{path.suffix}'")
    if data is None:
        data = read_regular_file(path)
    if not data.strip():
        raise UnreadableFileError("the file is empty")
    if suffix in BINARY_LOADERS:
        loaded = BINARY_LOADERS[suffix](path, data)
    else:
        declared = None
        if suffix in HTML_SUFFIXES:
            declared = EncodingDetector.find_declared_encoding(data, is_html=True)
        decoded = decode(data, declared)
        # A NUL character never appears in text; it marks a binary file renamed to .md/.txt.
        if decoded is None or "\x00" in decoded.text[:8192]:
            raise UnreadableFileError("the file looks binary, not text")
        text = decoded.text.replace("\r\n", "\n")
        loaded = replace(TEXT_LOADERS[suffix](path, text), encoding_doubt=decoded.doubt)
    if not any(section.text.strip() for section in loaded.sections):
        raise UnreadableFileError("no text could be extracted")
    return loaded


def special_file_kind(mode: int) -> str | None:
    """What a file that is not a regular one is, from its `st_mode`; None for a regular file.

    Reading a FIFO waits for a writer forever, and a device such as /dev/zero never ends:
    ingest names these and never opens them.
    """
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def read_regular_file(path: Path) -> bytes:
    """The bytes of a regular file; anything else is refused without blocking on it.

    Opened non-blocking and checked again once open, so a file swapped for a FIFO after
    the folder was listed cannot hang the read (O_NONBLOCK changes nothing for a file).
    """
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(descriptor, "rb") as file:
        kind = special_file_kind(os.fstat(descriptor).st_mode)
        if kind is not None:
            raise UnreadableFileError(f"{kind}, not a regular file")
        return file.read()


def _title_from_name(path: Path) -> str:
    return path.stem.replace("-", " ").replace("_", " ").strip().capitalize()


def load_markdown(path: Path, text: str) -> LoadedFile:
    splitter = MarkdownHeaderTextSplitter(_MARKDOWN_HEADINGS, strip_headers=True)
    sections = []
    title = ""
    text = clean_markdown(text)
    for piece in splitter.split_text(text):
        headings = tuple(
            piece.metadata[key] for _, key in _MARKDOWN_HEADINGS if key in piece.metadata
        )
        title = title or piece.metadata.get("h1", "")
        sections.append(Section(piece.page_content, headings))
    return LoadedFile(title or _title_from_name(path), sections)


def load_text(path: Path, text: str) -> LoadedFile:
    first_line = text.strip().splitlines()[0].strip()
    title = first_line if len(first_line) <= 80 else _title_from_name(path)
    return LoadedFile(title, [Section(text, (title,))])


class _Outline:
    """Collects text under the open heading path of a document read top to bottom."""

    def __init__(self) -> None:
        self._headings: list[tuple[int, str]] = []
        self._sections: list[Section] = []
        self._lines: list[str] = []

    def open_heading(self, level: int, text: str) -> None:
        """A heading closes the section before it and every heading at its level or below."""
        self._flush()
        self._headings = [(lvl, name) for lvl, name in self._headings if lvl < level]
        self._headings.append((level, text))

    def close_below(self, level: int) -> None:
        """Text from here on belongs to the heading at `level`, not to any deeper one."""
        if any(lvl > level for lvl, _ in self._headings):
            self._flush()
            self._headings = [(lvl, name) for lvl, name in self._headings if lvl <= level]

    def add(self, line: str) -> None:
        if line:
            self._lines.append(line)

    def sections(self) -> list[Section]:
        self._flush()
        return self._sections

    def _flush(self) -> None:
        if self._lines:
            path = tuple(name for _, name in self._headings)
            self._sections.append(Section("\n".join(self._lines), path))
            self._lines = []


def load_html(path: Path, text: str) -> LoadedFile:
    soup = BeautifulSoup(text, "html.parser")
    title_tag = soup.find("title") or soup.find("h1")
    title = title_tag.get_text(" ", strip=True) if title_tag else ""
    title = _TITLE_SUFFIX.sub("", title) or _title_from_name(path)
    _remove_chrome(soup)
    # Walk headings and text blocks in document order, tracking the open heading path.
    outline = _Outline()

    body = soup.find("main") or soup.find(role="main") or soup.body or soup
    heading_level = 1  # of the last real heading: pseudo-headings nest below it
    entries: list[Tag] = []  # the <dl> of each open API entry or term, outermost first
    aliases: list[str] = []  # terms that share the next term's definition
    boxes: list[tuple[Tag, int]] = []  # each open captioned box and its caption's level
    for element in body.find_all([*_HTML_HEADINGS, *_HTML_BLOCKS, "div"]):
        if not isinstance(element, Tag) or _inside_block(element):
            continue
        while entries and entries[-1] not in element.parents:
            entries.pop()  # past the end of that list: its entry's heading closes
            outline.close_below(heading_level + len(entries))
        while boxes and boxes[-1][0] not in element.parents:
            outline.close_below(boxes.pop()[1] - 1)  # past a note or table: its caption closes
        if element.name == "div":
            # Only a keyword line heads anything; other divs' blocks are read one by one.
            if _is_keyword_line(element):
                outline.open_heading(heading_level + 1, _block_text(element))
            continue
        if element.name == "pre":  # code keeps its lines and indentation; prose reflows
            for block in preformatted_blocks(element.get_text()):
                outline.add(block)
            continue
        if _is_container(element):
            continue  # its paragraphs, code and nested entries are read one by one
        if _only_links(element):
            continue  # a table of contents, or a FAQ's list of its own questions
        text = _block_text(element)
        if not text:
            continue
        if element.name == "dt" and _defines_nothing(element):
            aliases.append(text)  # texinfo's "RPROMPT / RPS1": the next term's definition
            continue
        if aliases:  # the terms sharing a definition are named together
            if element.name == "dt":
                text = " / ".join([*aliases, text])
            else:
                outline.add(" / ".join(aliases))
            aliases.clear()
        box = _captioned_box(element, text)
        if box is not None:
            boxes.append((box, heading_level + len(entries) + 1))
            outline.open_heading(boxes[-1][1], text)
        elif element.name in _HTML_HEADINGS:
            heading_level = int(element.name[1])
            entries.clear()
            outline.open_heading(heading_level, text)
        elif element.name == "dt" and _heads_entry(element):
            # An API entry or glossary term: its definition is a section of its own.
            listing = element.parent or element
            if not entries or entries[-1] is not listing:
                entries.append(listing)  # a term after a sibling term replaces it
            outline.open_heading(heading_level + len(entries), text.removesuffix(" ¶"))
        elif element.name == "dt" and entries and entries[-1] is element.parent:
            # A one-line entry after a long one is not part of it: back to the list's heading.
            outline.close_below(heading_level + len(entries) - 1)
            outline.add(text)
        elif _is_pseudo_heading(element, text) or _heads_entry_row(element):
            outline.open_heading(heading_level + 1, text)
        else:
            outline.add(text)
    return LoadedFile(title, outline.sections())


def _block_text(element: Tag) -> str:
    """An element's text on one line, punctuation kept against the word before it."""
    return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", " ".join(element.get_text(" ").split()))


def _only_links(element: Tag) -> bool:
    """A list item or paragraph whose every word is link text: navigation, not content.

    Such entries repeat headings found elsewhere and, ranked for a question, they win
    with its words while answering nothing.
    """
    if element.name not in ("li", "p"):
        return False
    links = element.find_all("a")
    linked = "".join(link.get_text() for link in links).split()
    return bool(links) and linked == element.get_text().split()


def _holds_blocks(element: Tag) -> bool:
    return element.find(["p", "pre", "dl", "ul", "ol", "table", "div"]) is not None


def _inside_block(element: Tag) -> bool:
    """Whether an enclosing block already reads this element's text."""
    return any(
        parent.name in _HTML_BLOCKS and not _is_container(parent) for parent in element.parents
    )


def _is_container(element: Tag) -> bool:
    """A <dd> or <blockquote> holding paragraphs, code or lists: its blocks are read one by one.

    In API references a <dd> holds a whole class, methods and all; Postfix's READMEs indent
    every configuration example as a <blockquote> around a <pre>, which read as one block
    would lose its lines.
    """
    return element.name in ("dd", "blockquote") and _holds_blocks(element)


def _heads_entry(term: Tag) -> bool:
    """A <dt> whose definition is long enough to be a section: not a one-line glossary."""
    definition = term.find_next_sibling("dd")
    return definition is not None and (
        _holds_blocks(definition) or len(definition.get_text(" ", strip=True)) > 200
    )


def _defines_nothing(term: Tag) -> bool:
    """A <dt> followed by another term, or by a <dd> holding no text: an alias of the next."""
    following = term.find_next_sibling(["dt", "dd"])
    return following is not None and (following.name == "dt" or not following.get_text(strip=True))


def _captioned_box(element: Tag, text: str) -> Tag | None:
    """The note, table or figure box that a heading or a bold title (`element`) captions.

    DocBook titles a note `<div class="note"><h3>Note</h3>` and a table with a bold
    paragraph: the caption heads the box's text only, and the text after the box is the
    section's again.
    """
    if element.name not in _HTML_HEADINGS and not _is_pseudo_heading(element, text):
        return None
    box = element.find_parent("div")
    if box is None or _CAPTIONED_BOXES.isdisjoint(box.get_attribute_list("class")):
        return None
    return box


def _heads_entry_row(cell: Tag) -> bool:
    """The name cell of a one-row table of short cells that heads an entry.

    Exim's specification heads each option with `<table><tr><td>size_addition</td>
    <td>Use: smtp</td><td>Type: integer</td><td>Default: 1024</td></tr></table>` and
    describes it in the paragraphs after; the other cells stay the entry's text.
    """
    # Cheapest tests first: this runs for every cell of every table.
    if cell.name != "td" or cell.find_previous_sibling("td") is not None:
        return False
    row = cell.find_parent("tr")
    table = row.find_parent("table") if row is not None else None
    if row is None or table is None or len(table.find_all("tr", limit=2)) != 1:
        return False
    if table.find(["th", "table", "p", "pre", "ul", "ol", "dl"]):
        return False
    names = [_block_text(each) for each in row.find_all("td", recursive=False)]
    return (
        2 <= len(names) <= 4
        and all(0 < len(name) <= _ENTRY_CELL_CHARS for name in names)
        and " " not in names[0]
        and any(character.isalpha() for character in names[0])
    )


def _is_pseudo_heading(element: Tag, text: str) -> bool:
    """A short paragraph that is all bold (or strong) text, as in FAQ question lists."""
    if element.name != "p" or len(text) > _PSEUDO_HEADING_CHARS:
        return False
    bold = element.find_all(["b", "strong"], recursive=False)
    return bool(bold) and " ".join(" ".join(b.get_text(" ").split()) for b in bold) == text


def _is_keyword_line(element: Tag) -> bool:
    """A short <div> of inline text led by bold, as reference manuals head an entry.

    HAProxy's manual heads each keyword's text with `<div class="keyword"><b>maxconn</b>
    <span>&lt;number&gt;</span></div>`: without it as a heading, a keyword's text never
    names the keyword.
    """
    if _holds_blocks(element) or element.find(_HTML_HEADINGS):
        return False
    text = element.get_text(" ", strip=True)
    # A bold number alone ("1.") numbers a table of contents' row: it names nothing.
    if len(text) > _PSEUDO_HEADING_CHARS or not any(c.isalpha() for c in text):
        return False
    first = next((child for child in element.children if str(child).strip()), None)
    return isinstance(first, Tag) and first.name in ("b", "strong")


def _remove_chrome(soup: BeautifulSoup) -> None:
    """Drop everything around the article: scripts, menus, sidebars, footers, anchors."""
    for element in soup(_HTML_CHROME_TAGS):
        element.decompose()
    for element in soup.find_all(True):
        if not isinstance(element, Tag) or element.decomposed or element.attrs is None:
            continue
        names = {*(element.get("class") or []), str(element.get("id") or "")}
        role = str(element.get("role") or "")
        if _HTML_CHROME_ROLES.match(role) or {n.lower() for n in names} & _HTML_CHROME_NAMES:
            element.decompose()


def load_rst(path: Path, text: str) -> LoadedFile:
    from .restructuredtext import parse_rst  # docutils takes a tenth of a second to import

    return parse_rst(text, _title_from_name(path))


def load_docx(path: Path, data: bytes) -> LoadedFile:
    """Word documents: "Heading N" paragraphs open sections, table rows become lines."""
    try:
        import docx
    except ImportError:  # pragma: no cover - exercised without the extra installed
        raise UnreadableFileError(
            "reading .docx needs the [docx] extra: pip install -e '.[docx]'"
        ) from None
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, KeyError, OSError) as error:
        raise UnreadableFileError(f"corrupt Word document ({error})") from None
    outline = _Outline()
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells = [" ".join(cell.text.split()) for cell in row.cells]
                outline.add(" | ".join(cell for cell in cells if cell))
            continue
        text = " ".join(block.text.split())
        style = block.style.name if block.style is not None else ""
        level = _HEADING_STYLE.match(style or "")
        if text and level:
            outline.open_heading(int(level["level"] or 0), text)
        elif text:
            outline.add(text)
    sections = outline.sections()
    first_heading = next((s.headings[0] for s in sections if s.headings), "")
    title = (document.core_properties.title or "").strip() or first_heading
    return LoadedFile(title or _title_from_name(path), sections)


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


def _faq_rows(path: Path, text: str) -> list[dict[str, str]]:
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


def load_faq(path: Path, text: str) -> LoadedFile:
    """Read a FAQ table: one section per row, headed by its question.

    Each answer becomes its own chunk, so a citation points at one FAQ entry.
    """
    rows = _faq_rows(path, text)
    title = _title_from_name(path)
    sections = []
    for row in rows:
        question, answer = _pick(row, FAQ_QUESTION_KEYS), _pick(row, FAQ_ANSWER_KEYS)
        if question and answer:
            sections.append(Section(f"{question}\n{answer}", (title, question)))
    if rows and not sections:
        raise UnreadableFileError("a FAQ table needs 'question' and 'answer' columns")
    return LoadedFile(title, sections)


TEXT_LOADERS: dict[str, Callable[[Path, str], LoadedFile]] = {
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".txt": load_text,
    ".html": load_html,
    ".htm": load_html,
    ".rst": load_rst,
    ".rest": load_rst,
    ".csv": load_faq,
    ".jsonl": load_faq,
}
BINARY_LOADERS: dict[str, Callable[[Path, bytes], LoadedFile]] = {
    ".pdf": load_pdf,
    ".docx": load_docx,
}
HTML_SUFFIXES = frozenset({".html", ".htm"})
SUPPORTED_SUFFIXES = frozenset(TEXT_LOADERS) | frozenset(BINARY_LOADERS)
