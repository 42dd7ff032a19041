"""The nox harness installs with uv from the registries pip is configured with."""

from __future__ import annotations

from pathlib import Path

from harness.installer import Installer
from harness.registry import pip_config_files, uv_environment

PIP_CONF = """\
[global]
find-links = /opt/wheels
extra-index-url = file:///opt/pypi/simple
    https://mirror.example/simple
constraint = /etc/pip-constraints.txt
[install]
index-url = https://index.example/simple
"""


def test_uv_gets_the_indexes_links_and_constraints_of_pip_conf(tmp_path: Path) -> None:
    (tmp_path / "pip.conf").write_text(PIP_CONF, encoding="utf-8")

    variables = uv_environment({}, [tmp_path / "missing.conf", tmp_path / "pip.conf"])

    assert variables == {
        "UV_INDEX_URL": "https://index.example/simple",
        "UV_EXTRA_INDEX_URL": "file:///opt/pypi/simple https://mirror.example/simple",
        "UV_FIND_LINKS": "/opt/wheels",
        "UV_CONSTRAINT": "/etc/pip-constraints.txt",
        "UV_INDEX_STRATEGY": "unsafe-best-match",  # pip's: the best version of all indexes
    }


def test_pip_variables_override_its_files_and_uv_variables_win(tmp_path: Path) -> None:
    (tmp_path / "pip.conf").write_text(PIP_CONF, encoding="utf-8")
    environ = {"PIP_FIND_LINKS": "/a /b", "UV_INDEX_URL": "https://chosen.example/simple"}

    variables = uv_environment(environ, [tmp_path / "pip.conf"])

    assert variables["UV_FIND_LINKS"] == "/a,/b"  # uv separates them with commas
    assert "UV_INDEX_URL" not in variables  # already set: left as it is


def test_pip_config_files_are_read_in_pips_order() -> None:
    environ = {"HOME": "/h", "XDG_CONFIG_DIRS": "/x", "PIP_CONFIG_FILE": "/p.conf"}

    assert pip_config_files(environ) == [
        Path("/x/pip/pip.conf"),
        Path("/etc/pip.conf"),
        Path("/h/.pip/pip.conf"),
        Path("/h/.config/pip/pip.conf"),
        Path("/p.conf"),  # later files override earlier ones
    ]


def test_no_pip_configuration_leaves_uv_on_its_defaults() -> None:
    assert uv_environment({}, []) == {}


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
