"""Read reStructuredText with docutils, tolerating the Sphinx roles and directives it lacks.

Plain docutils knows neither `:func:` nor `.. versionadded::`; left alone it would turn
them into error messages inside the text. Roles are rewritten to the text they show,
Sphinx's prose directives keep their content, its code directives stay code, and
directives that only build navigation (toctree, index, autodoc) are dropped.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from docutils import nodes
from docutils.core import publish_doctree
from docutils.parsers.rst import Directive, directives

from .documents import LoadedFile, Section
from .markup import role_text

_SPHINX_ROLE = re.compile(r"(?<![\w`]):(?:[\w+.-]+:)+`(?P<text>[^`\n]+)`")
# Sphinx directives with prose worth indexing; the argument (a signature, a version) leads.
_PROSE_DIRECTIVES = frozenset(
    [
        "versionadded",
        "versionchanged",
        "deprecated",
        "seealso",
        "glossary",
        "centered",
        "hlist",
        "rubric",
        "function",
        "class",
        "method",
        "attribute",
        "data",
        "exception",
        "module",
        "describe",
        "option",
        "envvar",
        "program",
        "cmdoption",
        "staticmethod",
        "classmethod",
        "decorator",
        "coroutinefunction",
        "abstractmethod",
        "opcode",
        "pdbcommand",
        "productionlist",
        "only",
        "tabularcolumns",
    ]
)
_CODE_DIRECTIVES = ("code-block", "sourcecode", "literalinclude", "doctest", "testcode")
_DROPPED_DIRECTIVES = frozenset(
    [
        "toctree",
        "index",
        "highlight",
        "currentmodule",
        "sectionauthor",
        "moduleauthor",
        "autofunction",
        "autoclass",
        "automodule",
        "automethod",
        "autoattribute",
        "autosummary",
        "testsetup",
        "testcleanup",
        "testoutput",
        "audit-event",
        "impl-detail",
    ]
)
_TEXT_NODES = (nodes.paragraph, nodes.term, nodes.line_block, nodes.field_name)
_CODE_NODES = (nodes.literal_block, nodes.doctest_block)


class _AnyOption(dict[str, Any]):
    """An option spec that accepts every option, as Sphinx directives have many."""

    def __getitem__(self, key: str) -> Any:
        return directives.unchanged


class _ProseDirective(Directive):
    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True
    option_spec: ClassVar[dict[str, Any]] = _AnyOption()

    def run(self) -> list[nodes.Node]:
        container = nodes.container()
        if self.arguments:
            container += nodes.paragraph(text=self.arguments[0])
        self.state.nested_parse(self.content, self.content_offset, container)
        return [container]


class _CodeDirective(_ProseDirective):
    def run(self) -> list[nodes.Node]:
        return [nodes.literal_block(text="\n".join(self.content))] if self.content else []


class _DroppedDirective(_ProseDirective):
    def run(self) -> list[nodes.Node]:
        return []


def _register() -> None:
    for name in _PROSE_DIRECTIVES:
        directives.register_directive(name, _ProseDirective)
    for name in _CODE_DIRECTIVES:
        directives.register_directive(name, _CodeDirective)
    for name in _DROPPED_DIRECTIVES:
        directives.register_directive(name, _DroppedDirective)


_register()

_SETTINGS = {
    "report_level": 5,  # never write docutils' complaints into the text
    "halt_level": 5,
    "file_insertion_enabled": False,  # `.. include::` must not read other files
    "raw_enabled": False,
    "input_encoding": "unicode",
    "warning_stream": False,
    "doctitle_xform": False,  # keep the top heading a section, so paths start with it
}


def parse_rst(text: str, fallback_title: str) -> LoadedFile:
    """Sections of a reStructuredText document, each under its heading path."""
    text = _SPHINX_ROLE.sub(lambda match: f"``{role_text(match['text'])}``", text)
    document = publish_doctree(text, settings_overrides=_SETTINGS)
    title = ""
    sections: list[Section] = []
    current: tuple[str, ...] = ()
    lines: list[str] = []

    def flush() -> None:
        if lines:
            sections.append(Section("\n".join(lines), current))
            lines.clear()

    wanted = (nodes.title, *_TEXT_NODES, *_CODE_NODES)
    for node in document.findall(lambda n: isinstance(n, wanted)):
        if any(isinstance(parent, nodes.system_message) for parent in _ancestors(node)):
            continue
        if isinstance(node, nodes.title):
            flush()
            current = _heading_path(node)
            title = title or node.astext()
        elif isinstance(node, _CODE_NODES):
            lines.append(f"```\n{node.astext()}\n```")
        elif not any(isinstance(parent, _TEXT_NODES) for parent in _ancestors(node)):
            lines.append(" ".join(node.astext().split()))
    flush()
    return LoadedFile(title or fallback_title, sections)


def _ancestors(node: nodes.Node) -> list[nodes.Node]:
    found = []
    parent = node.parent
    while parent is not None:
        found.append(parent)
        parent = parent.parent
    return found


def _heading_path(title: nodes.title) -> tuple[str, ...]:
    """The titles of the sections enclosing a title, outermost first."""
    path = [
        section[0].astext()
        for section in reversed(_ancestors(title))
        if isinstance(section, nodes.section)
        and len(section)
        and isinstance(section[0], nodes.title)
    ]
    return tuple(path)
