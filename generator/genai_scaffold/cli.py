"""The `genai-scaffold` command line: parse, call the library, print.

Heavy imports (Copier, rich, the library modules) happen inside the commands, so that
`--help` and shell completion start instantly.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

import click
from click.shell_completion import CompletionItem

from genai_scaffold import __version__
from genai_scaffold.errors import ScaffoldError

if TYPE_CHECKING:
    from genai_scaffold.generate import GenerationResult

F = TypeVar("F", bound=Callable[..., Any])

USAGE_ERROR = 2


class UserError(click.ClickException):
    """A ScaffoldError shown as `Error: ...` plus a hint, exit status 2, no traceback."""

    exit_code = USAGE_ERROR

    def __init__(self, error: ScaffoldError) -> None:
        super().__init__(error.message)
        self.hint = error.hint

    def show(self, file: IO[Any] | None = None) -> None:
        stream = file or sys.stderr
        click.secho(f"Error: {self.message}", file=stream, fg="red", bold=True)
        if self.hint:
            click.echo(f"Hint: {self.hint}", file=stream)


class ScaffoldGroup(click.Group):
    """A group whose commands report ScaffoldError as a user error."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ScaffoldError as error:
            raise UserError(error) from error


def _complete_kind(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    from genai_scaffold.questionnaire import Questionnaire
    from genai_scaffold.template_source import embedded_root

    return [
        CompletionItem(kind.name, help=kind.description)
        for kind in Questionnaire(embedded_root()).kinds
        if kind.name.startswith(incomplete)
    ]


def _answer_options(function: F) -> F:
    """The options shared by `new` and `update` to answer questions up front."""
    options = [
        click.option(
            "--defaults",
            is_flag=True,
            help="Take the default of every question not answered with -d or --data-file.",
        ),
        click.option(
            "-d",
            "--data",
            "pairs",
            metavar="KEY=VALUE",
            multiple=True,
            help="Answer a question, e.g. -d license=Apache-2.0 (repeatable).",
        ),
        click.option(
            "--vcs-ref",
            metavar="REF",
            help="Template git tag, branch or commit (default: the latest release).",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@click.group(cls=ScaffoldGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="genai-scaffold")
def main() -> None:
    r"""Generate portfolio-grade generative-AI projects.

    \b
    genai-scaffold list                      the kinds and their questions
    genai-scaffold new rag-chatbot my-bot    generate a project
    genai-scaffold update                    take in template improvements

    Shell completion (bash; use zsh_source or fish_source for those shells):
    eval "$(_GENAI_SCAFFOLD_COMPLETE=bash_source genai-scaffold)"
    """


@main.command()
@click.argument("kind", shell_complete=_complete_kind)
@click.argument("dest", required=False, type=click.Path(path_type=Path, file_okay=False))
@_answer_options
@click.option(
    "--data-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A YAML file of answers (question: answer); -d wins over it.",
)
@click.option(
    "--template",
    metavar="SRC",
    help="Template path, .bundle file or git URL (default: the one installed with this tool).",
)
@click.option("--pretend", is_flag=True, help="Show what would be written; write nothing.")
@click.option(
    "--force",
    is_flag=True,
    help="Allow a non-empty DEST; template files overwrite, other files are kept.",
)
@click.option(
    "--git/--no-git",
    "use_git",
    default=True,
    show_default=True,
    help="git init the project and make a first commit (when git is installed).",
)
def new(
    kind: str,
    dest: Path | None,
    defaults: bool,
    pairs: Sequence[str],
    vcs_ref: str | None,
    data_file: Path | None,
    template: str | None,
    pretend: bool,
    force: bool,
    use_git: bool,
) -> None:
    """Generate a KIND project in DEST (default: a folder named after the project slug)."""
    from genai_scaffold import answers, generate
    from genai_scaffold.template_source import resolve_source

    given = {**(answers.load_file(data_file) if data_file else {}), **answers.parse_pairs(pairs)}
    source = resolve_source(template, vcs_ref)
    if pretend:
        generate.preview_project(
            kind,
            dest or Path(f"my-{kind}"),
            source=source,
            answers=given,
            defaults=defaults,
            force=force,
        )
        click.echo("Pretend mode: nothing was written.", err=True)
        return
    result = generate.create_project(
        kind, dest, source=source, answers=given, defaults=defaults, force=force, use_git=use_git
    )
    _print_next_steps(result)


def _print_next_steps(result: GenerationResult) -> None:
    from rich.console import Console
    from rich.panel import Panel
    from rich.text import Text

    from genai_scaffold.readme import quickstart_commands

    console = Console()
    here = Path.cwd()
    shown = result.path.relative_to(here) if result.path.is_relative_to(here) else result.path
    console.print(
        Text(f"Created {result.answers['project_name']} in {shown} ({len(result.files)} files).")
    )
    if result.git_note:
        console.print(Text(f"git: {result.git_note}."))
    steps = "\n".join([f"cd {shown}", *quickstart_commands(result.path / "README.md")])
    if console.is_terminal:
        console.print(Panel.fit(Text(steps, no_wrap=True), title="Next steps", title_align="left"))
    else:  # keep the commands whole and copy-pasteable in logs and pipes
        click.echo(f"Next steps:\n{steps}")


@main.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@click.option("--template", metavar="PATH", help="List another local template checkout.")
def list_kinds(as_json: bool, template: str | None) -> None:
    """List the kinds of project and the questions each one asks."""
    from genai_scaffold.questionnaire import Questionnaire
    from genai_scaffold.template_source import embedded_root, resolve_source

    root = resolve_source(template, None).root if template else embedded_root()
    if root is None:
        raise ScaffoldError("list needs a local template", hint="clone the template first")
    questionnaire = Questionnaire(root)
    catalogue = [
        {
            "name": kind.name,
            "description": kind.description,
            "questions": [q.as_dict() for q in questionnaire.questions_for(kind.name)],
        }
        for kind in questionnaire.kinds
    ]
    if as_json:
        click.echo(json.dumps({"kinds": catalogue}, indent=2, ensure_ascii=False))
        return
    _print_catalogue(catalogue)


def _print_catalogue(catalogue: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    kinds = Table(title="Kinds", title_justify="left")
    kinds.add_column("kind", style="bold")
    kinds.add_column("what you get")
    for kind in catalogue:
        kinds.add_row(kind["name"], kind["description"])
    console.print(kinds)
    for kind in catalogue:
        questions = Table(title=f"Questions of {kind['name']}", title_justify="left")
        questions.add_column("question", style="bold", no_wrap=True)
        questions.add_column("default / choices", overflow="fold", max_width=34)
        questions.add_column("help", ratio=1)
        for question in kind["questions"]:
            default = "(derived)" if question["derived"] else repr(question["default"])
            choices = ", ".join(map(str, question["choices"]))
            questions.add_row(question["name"], f"{default}\n{choices}".strip(), question["help"])
        console.print(questions)


@main.command()
@click.argument("path", default=".", type=click.Path(path_type=Path, file_okay=False, exists=True))
@_answer_options
def update(path: Path, defaults: bool, pairs: Sequence[str], vcs_ref: str | None) -> None:
    """Update the project at PATH to the latest template release, keeping your edits."""
    from rich.console import Console

    from genai_scaffold import answers
    from genai_scaffold.update import update as update_project

    result = update_project(
        path, answers=answers.parse_pairs(pairs), vcs_ref=vcs_ref, defaults=defaults
    )
    console = Console()
    if result.old_version == result.new_version:
        console.print(f"Already at template version {result.new_version}.")
    else:
        console.print(
            f"Updated from template version {result.old_version} to {result.new_version}."
        )
    if result.conflicts:
        console.print("[yellow]Conflicts to resolve[/yellow] (look for <<<<<<< markers):")
        for name in result.conflicts:
            console.print(f"  {name}")
        sys.exit(1)
    console.print("Review with `git diff`, run the tests, then commit.")
