"""Strip documentation-toolchain markup from Markdown so chunks hold only what a reader sees.

Real docs carry markup that means nothing to a reader and pollutes both BM25 and quoted
answers: HTML comments (`<!-- YAML ... -->` blocks in Node's API docs), MyST and Sphinx
roles (``{ref}`text <target>` ``), directive fences, link-reference definitions, badges
and type tags such as `{string}`. Fenced code blocks are kept verbatim, as code.
"""

from __future__ import annotations

import re

# A fence opens with 3+ backticks or tildes; it closes with the same run, at least as long.
_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>[^\n]*)$", re.MULTILINE)
# MyST directives that hold prose (admonitions and the like) rather than code.
_MYST_DIRECTIVE = re.compile(r"^\{(?P<name>[\w:-]+)\}\s*(?P<argument>.*)$")
_MYST_CODE_DIRECTIVES = frozenset(
    {"code", "code-block", "code-cell", "sourcecode", "literalinclude"}
)
_MYST_DROPPED_DIRECTIVES = frozenset({"toctree", "contents", "include", "image", "figure", "raw"})

_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_COLON_FENCE = re.compile(r"^ {0,3}:{3,}\s*(?:\{[\w:-]+\}.*)?$", re.MULTILINE)
_DIRECTIVE_OPTION = re.compile(r"^ {0,3}:[\w-]+:(?: .*)?$", re.MULTILINE)
_MYST_TARGET = re.compile(r"^ {0,3}\([\w.:-]+\)=\s*$", re.MULTILINE)
_LINK_DEFINITION = re.compile(r"^ {0,3}\[[^\]\n]+\]:\s*\S+.*$", re.MULTILINE)
_BADGE = re.compile(r"\[!\[[^\]]*\]\([^)]*\)\]\([^)]*\)")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_INLINE_LINK = re.compile(r"\[([^\]\n]+)\]\([^)\n]*\)")
_REFERENCE_LINK = re.compile(r"\[([^\]\n]+)\]\[[^\]\n]*\]")
# {role}`text <target>` (MyST) and :role:`text <target>` (Sphinx inside Markdown).
_ROLE = re.compile(r"(?:\{[\w:+.-]+\}|(?<![\w`]):(?:[\w+.-]+:)+)`(?P<text>[^`\n]+)`")
_ROLE_TARGET = re.compile(r"^(?P<title>.*?)\s*<[^<>]+>$")
# Type tags of API docs, e.g. `{string}`, `{integer[]}`, `{Buffer|TypedArray}`.
_TYPE_TAG = re.compile(
    r"(?<!\S)\{[A-Za-z][\w.]*(?:\[\])?(?:\s*\|\s*[A-Za-z][\w.]*(?:\[\])?)*\}(?=[\s,.;:)]|$)"
)
_HTML_TAG = re.compile(r"</?[A-Za-z][\w-]*(?:\s[^<>]*)?/?>")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
# A code span and its content (the capture), split out so markup rules leave it alone.
_INLINE_CODE = re.compile(r"`([^`\n]+)`")
_BLANK_RUNS = re.compile(r"\n{3,}")


def role_text(content: str) -> str:
    """What a role shows: `title <target>` shows the title, `~a.b.c` shows `c`."""
    match = _ROLE_TARGET.match(content)
    if match and match["title"]:
        return match["title"]
    content = content.lstrip("!")
    if content.startswith("~"):
        return content[1:].rsplit(".", 1)[-1]
    return content


def clean_prose(text: str) -> str:
    """Remove markup from Markdown prose (no code fences in `text`)."""
    text = _COMMENT.sub("", text)
    text = _MYST_TARGET.sub("", text)
    text = _COLON_FENCE.sub("", text)
    text = _LINK_DEFINITION.sub("", text)
    text = _BADGE.sub("", text)
    text = _IMAGE.sub("", text)
    text = _ROLE.sub(lambda match: role_text(match["text"]), text)
    text = _INLINE_LINK.sub(r"\1", text)
    text = _REFERENCE_LINK.sub(r"\1", text)
    # Inline code is shown as written (`git add <pathspec>`): only the backticks go.
    parts = _INLINE_CODE.split(text)
    for index in range(0, len(parts), 2):
        parts[index] = _clean_inline(parts[index])
    text = "".join(parts)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return _BLANK_RUNS.sub("\n\n", text)


def _clean_inline(text: str) -> str:
    text = _TYPE_TAG.sub("", text)
    text = _HTML_TAG.sub("", text)
    # Emphasis markers would show up verbatim in quoted answers.
    return _EMPHASIS.sub(r"\2", text)


def clean_markdown(text: str) -> str:
    """Clean a Markdown (or MyST) file, keeping fenced code blocks as code.

    A MyST directive fence that holds prose (```` ```{note} ````) is unwrapped and its
    content cleaned like the rest; ```` ```{code-block} ```` stays a code block.
    """
    text = _FRONT_MATTER.sub("", text.replace("\r\n", "\n"))
    out: list[str] = []
    position = 0
    while True:
        opening = _FENCE.search(text, position)
        if opening is None:
            out.append(clean_prose(text[position:]))
            break
        out.append(clean_prose(text[position : opening.start()]))
        fence = opening["fence"]
        # At least as many of the same character as opened it, alone on its line.
        run = re.escape(fence[0]) + "{" + str(len(fence)) + ",}"
        closing = re.compile(r"^ {0,3}" + run + r"\s*$", re.MULTILINE)
        end = closing.search(text, opening.end())
        body_end = end.start() if end else len(text)
        after = end.end() if end else len(text)
        body = text[opening.end() + 1 : body_end].rstrip("\n")
        directive = _MYST_DIRECTIVE.match(opening["info"].strip())
        name = directive["name"] if directive else ""
        if name in _MYST_DROPPED_DIRECTIVES:
            pass
        elif directive and name not in _MYST_CODE_DIRECTIVES:
            argument = directive["argument"]
            body = _DIRECTIVE_OPTION.sub("", body)
            out.append(clean_markdown(f"{argument}\n\n{body}" if argument else body) + "\n")
        else:
            language = directive["argument"] if directive else opening["info"].strip()
            body = _DIRECTIVE_OPTION.sub("", body) if directive else body
            out.append(f"```{language.split(' ')[0] if language else ''}\n{body}\n```\n")
        position = after
    return _BLANK_RUNS.sub("\n\n", "".join(out)).strip() + "\n"
