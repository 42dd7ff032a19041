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

from genai_scaffold import DISTRIBUTION
from genai_scaffold.errors import ScaffoldError

if TYPE_CHECKING:
    from genai_scaffold.generate import GenerationResult
    from genai_scaffold.questionnaire import Questionnaire

F = TypeVar("F", bound=Callable[..., Any])
# Bumped when a field of `list --json` changes meaning or goes away (new fields do not).
LIST_SCHEMA_VERSION = 2


class UserError(click.ClickException):
    """A ScaffoldError shown as `Error: ...` plus a hint, exit status 2, no traceback."""

    exit_code = 2

    def __init__(self, error: ScaffoldError) -> None:
        super().__init__(error.message)
        self.hint = error.hint

    def show(self, file: IO[Any] | None = None) -> None:
        stream = file or sys.stderr
        click.secho(f"Error: {self.message}", file=stream, fg="red", bold=True)
        if self.hint:
            click.echo(f"Hint: {self.hint}", file=stream)


class MachineError(UserError):
    """The request was right but the machine could not carry it out: exit status 1."""

    exit_code = 1


def _as_click_error(error: ScaffoldError) -> UserError:
    return MachineError(error) if error.exit_code == MachineError.exit_code else UserError(error)


class Interrupted(click.ClickException):
    """Ctrl-C: one line, and the exit status shells give a process stopped by SIGINT."""

    exit_code = 130  # 128 + the signal's number
    signal_name = "Ctrl-C (SIGINT)"

    def __init__(self) -> None:
        super().__init__(f"interrupted by {self.signal_name}")

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"Aborted: {self.message}", file=file or sys.stderr)


class TerminatedError(Interrupted):
    """SIGTERM (kill, a CI timeout): exit status 143."""

    exit_code = 143
    signal_name = "SIGTERM"


class HungUpError(Interrupted):
    """SIGHUP (the terminal closed, an ssh session dropped): exit status 129."""

    exit_code = 129
    signal_name = "SIGHUP"


class ScaffoldGroup(click.Group):
    """A group whose commands report ScaffoldError as a user error, and signals as one line."""

    def invoke(self, ctx: click.Context) -> Any:
        import signal

        from genai_scaffold.signals import Terminated, signals_raise

        try:
            with signals_raise():
                return super().invoke(ctx)
        except ScaffoldError as error:
            raise _as_click_error(error) from error
        except Terminated as error:
            hung_up = error.signum == getattr(signal, "SIGHUP", None)
            raise (HungUpError if hung_up else TerminatedError)() from error
        except KeyboardInterrupt as error:
            raise Interrupted from error


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
            help="Answer one question; repeat for more.",
        ),
        click.option(
            "--vcs-ref",
            metavar="REF",
            help="Template git tag, branch or commit (default: the latest release).",
        ),
        click.option(
            "--data-file",
            type=click.Path(path_type=Path, dir_okay=False),
            help="A YAML file of answers (question: answer); -d wins over it.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@click.group(cls=ScaffoldGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name=DISTRIBUTION, prog_name="genai-scaffold")
def main() -> None:
    """Generate portfolio-grade generative-AI projects.

    \b
    Examples:
      genai-scaffold list                    kinds and their questions
      genai-scaffold new rag-chatbot my-bot  generate a project
      genai-scaffold update                  take in template changes

    \b
    Shell completion (bash; zsh_source or fish_source for those shells):
      eval "$(_GENAI_SCAFFOLD_COMPLETE=bash_source genai-scaffold)"
    """  # noqa: D301 (click's \b keeps the next lines as written)


class KindCommand(click.Command):
    """A command whose help ends with the kinds of project, one line each.

    The kinds are read from the template only when help is shown, so that parsing
    other commands pays nothing for them.
    """

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from genai_scaffold.questionnaire import Questionnaire
        from genai_scaffold.template_source import embedded_root

        with formatter.section("Kinds"):
            formatter.write_dl(
                [(kind.name, kind.title) for kind in Questionnaire(embedded_root()).kinds]
            )
        super().format_epilog(ctx, formatter)


@main.command(
    cls=KindCommand,
    short_help="Generate a project of one KIND.",
    epilog="""\b
Examples:
  genai-scaffold new rag-chatbot my-bot
  genai-scaffold new lora-finetune notes -d license=Apache-2.0
  genai-scaffold new image-prompt-eval study --data-file answers.yml""",
)
@click.argument("kind", shell_complete=_complete_kind)
@click.argument("dest", required=False, type=click.Path(path_type=Path, file_okay=False))
@_answer_options
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
    """Generate a KIND project in DEST (default: a folder named after the project slug).

    Questions not answered with -d, --data-file or --defaults are asked at the
    terminal. `genai-scaffold list` shows every question, its default and choices.
    """
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
    """Plain lines, never boxed or cut, so that each command can be copied and pasted."""
    from genai_scaffold.readme import quickstart_commands

    here = Path.cwd()
    shown = result.path.relative_to(here) if result.path.is_relative_to(here) else result.path
    click.echo(f"Created {result.answers['project_name']} in {shown} ({len(result.files)} files).")
    if result.git_note:
        click.echo(f"git: {result.git_note}.")
    steps = "\n".join([f"cd {shown}", *quickstart_commands(result.path / "README.md")])
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
    catalogue = _catalogue(Questionnaire(root))
    if as_json:
        click.echo(
            json.dumps(
                {"schema_version": LIST_SCHEMA_VERSION, "kinds": catalogue},
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    _print_catalogue(catalogue)


def _catalogue(questionnaire: Questionnaire) -> list[dict[str, Any]]:
    """Each kind with its questions, defaults rendered for `new KIND` without a DEST."""
    catalogue = []
    for kind in questionnaire.kinds:
        destination = f"my-{kind.name}"
        example = questionnaire.example_answers(kind.name, destination)
        questions = [
            question.as_dict(example.get(question.name), questionnaire.kinds_asking(question))
            for question in questionnaire.questions_for(kind.name)
        ]
        catalogue.append(
            {
                "name": kind.name,
                "title": kind.title,
                "description": kind.description,
                "example_destination": destination,
                "questions": questions,
            }
        )
    return catalogue


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
            default = repr(question["default"]) + (" (derived)" if question["derived"] else "")
            choices = ", ".join(str(choice["value"]) for choice in question["choices"])
            questions.add_row(question["name"], f"{default}\n{choices}".strip(), question["help"])
        console.print(questions)


@main.command(short_help="Take in template improvements, keeping your edits.")
@click.argument("path", default=".", type=click.Path(path_type=Path, file_okay=False, exists=True))
@_answer_options
@click.option(
    "--pretend", is_flag=True, help="Show what would change (in a throwaway clone); write nothing."
)
def update(
    path: Path,
    defaults: bool,
    pairs: Sequence[str],
    vcs_ref: str | None,
    data_file: Path | None,
    pretend: bool,
) -> None:
    """Update the project at PATH to the latest template release, keeping your edits.

    PATH may be any folder inside the project, also a project that is a subfolder of a
    larger git repository. The repository must have no uncommitted changes; review the
    update with `git diff`. Answers given with -d or --data-file change the project's
    recorded answers. Exits 1 when the update leaves conflicts, or with --pretend
    when it would.
    """
    from genai_scaffold import answers
    from genai_scaffold.update import find_project, preview_update
    from genai_scaffold.update import update as update_project

    given = {**(answers.load_file(data_file) if data_file else {}), **answers.parse_pairs(pairs)}
    project = find_project(path)
    run = preview_update if pretend else update_project
    result = run(project, answers=given, vcs_ref=vcs_ref, defaults=defaults)
    if result.old_version == result.new_version and not result.changed:
        click.echo(f"Already at template version {result.new_version}.")
        return
    click.echo(
        f"{'Would update' if pretend else 'Updated'} from template version "
        f"{result.old_version} to {result.new_version}."
    )
    if pretend:
        click.echo("Files that would change:")
        for name in result.changed:
            click.echo(f"  {name}")
    if result.conflicts:
        click.echo(
            "Conflicts the update would leave:"
            if pretend
            else "Conflicts to resolve (look for <<<<<<< markers):"
        )
        for name in result.conflicts:
            click.echo(f"  {name}")
    if pretend:
        click.echo("Pretend mode: nothing was written.", err=True)
    elif not result.conflicts:
        click.echo("Review with `git diff`, run the tests, then commit.")
    if result.conflicts:  # also when pretending, so that a CI job can fail on it
        sys.exit(1)


@main.command(short_help="Exit 1 when a newer template release is available (for CI).")
@click.argument("path", default=".", type=click.Path(path_type=Path, file_okay=False, exists=True))
def check(path: Path) -> None:
    """Tell whether the project at PATH is behind the installed template's newest release.

    Exits 0 when it is current, 1 when an update is available (so a CI job can fail or
    open an issue), 2 on an error. Reads nothing from the network for projects made
    by this tool's own template.
    """
    from genai_scaffold.check import check as check_project

    result = check_project(path)
    if result.latest is None:
        click.echo(f"The template has no releases to compare {result.current} with.")
    elif result.behind:
        click.echo(
            f"Behind: the project is at template version {result.current}; "
            f"{result.latest} is available. Run `genai-scaffold update`."
        )
        sys.exit(1)
    else:
        click.echo(f"Up to date with template version {result.latest}.")
