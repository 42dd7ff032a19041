"""The nox harness installs with uv from the registries pip is configured with."""

from __future__ import annotations

import os
from pathlib import Path

from harness.caches import share_built_cache
from harness.installer import Installer
from harness.registry import pip_config_listing, uv_environment

PIP_CONF = """\
[global]
find-links = /opt/wheels
extra-index-url = file:///opt/pypi/simple
    https://mirror.example/simple
constraint = /etc/pip-constraints.txt
[install]
index-url = https://index.example/simple
"""


def only_this_pip_conf(tmp_path: Path) -> dict[str, str]:
    """An environment in which pip reads `tmp_path/pip.conf`, no user or XDG file."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "XDG_CONFIG_DIRS": str(tmp_path / "no-site-config"),
        "PIP_CONFIG_FILE": str(tmp_path / "pip.conf"),
    }


def test_uv_gets_the_indexes_links_and_constraints_of_pip_conf(tmp_path: Path) -> None:
    (tmp_path / "pip.conf").write_text("", encoding="utf-8")
    environ = only_this_pip_conf(tmp_path)
    # pip always reads /etc/pip.conf: what this machine's own file says stays in.
    machine = uv_environment(environ, pip_config_listing(environ))
    (tmp_path / "pip.conf").write_text(PIP_CONF, encoding="utf-8")

    variables = uv_environment(environ, pip_config_listing(environ))

    assert variables == {
        **machine,
        "UV_INDEX_URL": "https://index.example/simple",
        "UV_EXTRA_INDEX_URL": "file:///opt/pypi/simple https://mirror.example/simple",
        "UV_FIND_LINKS": "/opt/wheels",
        "UV_CONSTRAINT": "/etc/pip-constraints.txt",
        "UV_INDEX_STRATEGY": "unsafe-best-match",  # pip's: the best version of all indexes
    }


def test_pip_variables_override_its_files_and_uv_variables_win(tmp_path: Path) -> None:
    (tmp_path / "pip.conf").write_text(PIP_CONF, encoding="utf-8")
    environ = {
        **only_this_pip_conf(tmp_path),
        "PIP_FIND_LINKS": "/a /b",
        "UV_INDEX_URL": "https://chosen.example/simple",
    }

    variables = uv_environment(environ, pip_config_listing(environ))

    assert variables["UV_FIND_LINKS"] == "/a,/b"  # uv separates them with commas
    assert "UV_INDEX_URL" not in variables  # already set: left as it is


def test_an_install_section_overrides_the_global_one_whatever_the_order() -> None:
    listing = (
        "install.index-url='https://install.example/simple'\n"
        "global.index-url='https://global.example/simple'\n"
    )

    assert uv_environment({}, listing) == {"UV_INDEX_URL": "https://install.example/simple"}


def test_no_pip_configuration_leaves_uv_on_its_defaults() -> None:
    assert uv_environment({}, "") == {}


def test_without_uv_the_project_is_installed_as_its_readme_says(tmp_path: Path) -> None:
    pip = Installer(uv=None)
    venv = tmp_path / ".venv"

    assert pip.make_venv("python3.11", venv) == ["python3.11", "-m", "venv", str(venv)]
    assert pip.install(venv, "-e", ".[dev]") == [
        str(venv / "bin" / "python"),
        *("-m", "pip", "install", "--quiet", "-e", ".[dev]"),
    ]
    uv = Installer(uv="/bin/uv").install(venv, "-e", ".[dev]")
    assert uv[:3] == ["/bin/uv", "pip", "install"]
    assert uv[-2:] == ["-e", ".[dev]"]


def test_a_build_fills_its_environments_with_uv_when_there_is_one() -> None:
    pip, uv = Installer(uv=None), Installer(uv="/bin/uv")

    assert pip.build("python", "--outdir", "dist") == ["python", "-m", "build", "--outdir", "dist"]
    assert pip.variables == {}
    assert uv.build("python", "--outdir", "dist") == [
        *("python", "-m", "build", "--installer", "uv", "--outdir", "dist")
    ]
    assert uv.variables == {"UV": "/bin/uv"}  # where `build` looks for it


def test_projects_of_one_checkout_share_the_base_their_first_run_builds(tmp_path: Path) -> None:
    root = tmp_path / "checkout"
    (root / "projects" / "lora-finetune" / "src").mkdir(parents=True)
    (root / "projects" / "lora-finetune" / "src" / "pretrain.py").write_text("STEPS = 300\n")
    fast, slow = tmp_path / "fast", tmp_path / "slow"

    shared = share_built_cache(root, "lora-finetune", fast)
    assert share_built_cache(root, "lora-finetune", slow) == shared
    (fast / ".cache" / "base-models" / "f807c528").mkdir()  # the fast session builds it

    assert shared is not None
    assert shared.is_relative_to(root / ".nox")
    assert [path.name for path in (slow / ".cache" / "base-models").iterdir()] == ["f807c528"]
    assert share_built_cache(root, "rag-chatbot", tmp_path / "bot") is None
    assert not (tmp_path / "bot").exists()


def test_a_change_to_the_kinds_source_never_meets_an_older_base(tmp_path: Path) -> None:
    root = tmp_path / "checkout"
    source = root / "projects" / "lora-finetune" / "src" / "pretrain.py"
    source.parent.mkdir(parents=True)
    source.write_text("STEPS = 300\n")
    before = share_built_cache(root, "lora-finetune", tmp_path / "before")
    source.write_text("STEPS = 301\n")

    after = share_built_cache(root, "lora-finetune", tmp_path / "after")

    assert after != before
