"""Question/answer pairs nobody here wrote: Python's glossary and FAQ, from the Debian docs.

Debian's `python3.X-doc` package installs the HTML documentation under
/usr/share/doc/python3.X/html. Each glossary entry becomes "What does the Python term
"X" mean?" answered by its definition's first paragraph; each FAQ question (a section
heading ending in "?") is answered by the paragraph that opens its section. Answers
shorter than 40 or longer than 600 characters are dropped (a cross-reference, or a
page of text a tiny model cannot learn to say). The pairs are deduplicated, shuffled
with a fixed seed and split 80/10/10, so the same documentation gives the same splits.

The standard library's `html.parser` reads the pages: Sphinx writes well-formed HTML,
and a parser dependency is not worth one benchmark.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path

DOCS_ROOT = Path("/usr/share/doc")
# Only the versioned CPython documentation has glossary.html; other python3-* packages
# (pip's manual among them) install their own html/ folders and must not be picked up.
DOCS_GLOB = "python3.*/html"
SHORTEST, LONGEST = 40, 600
SEED = 0
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class MissingDocsError(Exception):
    """The Python HTML documentation is not installed (the Debian package python3-doc)."""


@dataclass
class Node:
    """An element of a parsed page: enough of a DOM for headings, paragraphs and lists."""

    tag: str
    classes: frozenset[str] = frozenset()
    children: list[Node | str] = field(default_factory=list)

    def elements(self) -> Iterator[Node]:
        """Child elements, text left out."""
        return (child for child in self.children if isinstance(child, Node))

    def descendants(self) -> Iterator[Node]:
        for child in self.elements():
            yield child
            yield from child.descendants()

    def find(self, tag: str) -> Node | None:
        """The first descendant with this tag, in document order."""
        return next((node for node in self.descendants() if node.tag == tag), None)

    def text(self) -> str:
        return "".join(child if isinstance(child, str) else child.text() for child in self.children)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("document")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = frozenset((dict(attrs).get("class") or "").split())
        node = Node(tag, classes)
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        # Close up to the matching element; a stray end tag closes nothing.
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def clean(text: str) -> str:
    """One line of text: runs of whitespace collapsed, Sphinx's pilcrow links gone."""
    return re.sub(r"\s+", " ", text).replace("¶", "").strip()


def _kept(answer: str) -> bool:
    return SHORTEST <= len(answer) <= LONGEST


def glossary_pairs(page: Node) -> list[tuple[str, str]]:
    """Each term of `dl.glossary`, asked about, with its definition's first paragraph."""
    pairs = []
    for glossary in (node for node in page.descendants() if node.tag == "dl"):
        if "glossary" not in glossary.classes:
            continue
        for term, definition in pairwise(glossary.elements()):
            if term.tag != "dt" or definition.tag != "dd":
                continue
            paragraph = definition.find("p")
            name = clean(term.text())
            if paragraph is not None and name and _kept(answer := clean(paragraph.text())):
                pairs.append((f'What does the Python term "{name}" mean?', answer))
    return pairs


def faq_pairs(page: Node) -> list[tuple[str, str]]:
    """Each FAQ section whose heading is a question, with the paragraph that opens it."""
    pairs = []
    for section in (node for node in page.descendants() if node.tag == "section"):
        children = list(section.elements())
        heading = next((node for node in children if node.tag in ("h2", "h3", "h4")), None)
        paragraph = next((node for node in children if node.tag == "p"), None)
        if heading is None or paragraph is None:
            continue
        question = clean(heading.text())
        if question.endswith("?") and _kept(answer := clean(paragraph.text())):
            pairs.append((question, answer))
    return pairs


def has_pages(docs: Path) -> bool:
    return (docs / "glossary.html").is_file() and (docs / "faq").is_dir()


def check_docs(docs: Path) -> Path:
    """`docs` itself, when it holds the glossary and the FAQ."""
    if not has_pages(docs):
        raise MissingDocsError(f"{docs} has no glossary.html and faq/; pass the Python HTML docs")
    return docs


def find_docs(root: Path = DOCS_ROOT) -> Path:
    """The newest installed CPython HTML documentation (3.13 after 3.9, not before)."""
    found = sorted(
        (path for path in root.glob(DOCS_GLOB) if has_pages(path)),
        key=lambda path: [int(part) for part in re.findall(r"\d+", path.parent.name)],
    )
    if not found:
        raise MissingDocsError(
            f"no Python HTML documentation (glossary.html and faq/) under {root}/{DOCS_GLOB}; "
            "install it with `sudo apt-get install python3-doc`"
        )
    return found[-1]


def source_pages(docs: Path) -> list[Path]:
    return [docs / "glossary.html", *sorted((docs / "faq").glob("*.html"))]


def build(docs: Path, out: Path) -> dict[str, int]:
    """Write train/validation/test.jsonl (chat format) and SOURCES.json; return the sizes."""
    pages = source_pages(docs)
    pairs = glossary_pairs(parse(pages[0].read_text(encoding="utf-8")))
    for page in pages[1:]:
        pairs += faq_pairs(parse(page.read_text(encoding="utf-8")))
    unique = sorted(set(pairs))
    random.Random(SEED).shuffle(unique)
    cut_train, cut_validation = int(len(unique) * 0.8), int(len(unique) * 0.9)
    splits = {
        "train": unique[:cut_train],
        "validation": unique[cut_train:cut_validation],
        "test": unique[cut_validation:],
    }
    out.mkdir(parents=True, exist_ok=True)
    for name, split in splits.items():
        lines = [
            json.dumps(
                {
                    "messages": [
                        {"role": "user", "content": question},
                        {"role": "assistant", "content": answer},
                    ]
                }
            )
            for question, answer in split
        ]
        (out / f"{name}.jsonl").write_text("".join(f"{line}\n" for line in lines), "utf-8")
    sources = {
        "root": str(docs),
        "files": {
            str(page.relative_to(docs)): hashlib.sha256(page.read_bytes()).hexdigest()
            for page in pages
        },
    }
    (out / "SOURCES.json").write_text(json.dumps(sources, indent=1) + "\n", encoding="utf-8")
    return {name: len(split) for name, split in splits.items()}
