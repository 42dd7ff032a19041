"""Make uv install from the package registries pip is configured with.

uv reads neither pip.conf nor `PIP_*` variables. A machine that points pip at a mirror,
an extra index or a folder of wheels (a CPU build of PyTorch, say) would otherwise have
uv resolve against PyPI alone. This reads pip's settings the way pip does (its config
files, later ones winning, `[install]` over `[global]`, then `PIP_*` variables) and
returns the `UV_*` variables that say the same; any `UV_*` variable already set wins.
"""

from __future__ import annotations

import configparser
import os
import sys
from collections.abc import Mapping
from pathlib import Path

# pip's option -> (uv's variable, the separator uv expects between several values).
SETTINGS = {
    "index-url": ("UV_INDEX_URL", " "),
    "extra-index-url": ("UV_EXTRA_INDEX_URL", " "),
    "find-links": ("UV_FIND_LINKS", ","),
    "constraint": ("UV_CONSTRAINT", " "),
    "cert": ("SSL_CERT_FILE", " "),
}


def pip_config_files(environ: Mapping[str, str]) -> list[Path]:
    """Pip's configuration files on this machine, in the order pip reads them (Unix)."""
    if "PIP_CONFIG_FILE" in environ and environ["PIP_CONFIG_FILE"] == os.devnull:
        return []
    home = Path(environ.get("HOME", "~")).expanduser()
    config_home = Path(environ.get("XDG_CONFIG_HOME") or home / ".config")
    config_dirs = environ.get("XDG_CONFIG_DIRS") or "/etc/xdg"
    files = [Path(folder) / "pip" / "pip.conf" for folder in config_dirs.split(os.pathsep)]
    files += [Path("/etc/pip.conf"), home / ".pip" / "pip.conf", config_home / "pip" / "pip.conf"]
    if "PIP_CONFIG_FILE" in environ:
        files.append(Path(environ["PIP_CONFIG_FILE"]))
    if "VIRTUAL_ENV" in environ:
        files.append(Path(environ["VIRTUAL_ENV"]) / "pip.conf")
    return files


def pip_settings(environ: Mapping[str, str], files: list[Path]) -> dict[str, list[str]]:
    """The values pip uses for each option of SETTINGS (whitespace-separated lists)."""
    found: dict[str, list[str]] = {}
    for path in files:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(path, encoding="utf-8")
        except (OSError, configparser.Error):
            continue
        for section in ("global", "install"):
            for option in SETTINGS:
                if parser.has_option(section, option):
                    found[option] = parser.get(section, option).split()
    for option in SETTINGS:
        variable = "PIP_" + option.upper().replace("-", "_")
        if environ.get(variable):
            found[option] = environ[variable].split()
    return found


def uv_environment(
    environ: Mapping[str, str] | None = None, files: list[Path] | None = None
) -> dict[str, str]:
    """The `UV_*` variables that make uv use pip's registries, resolving as pip does.

    `files` are pip's configuration files (default: where pip looks on this machine).
    """
    environ = os.environ if environ is None else environ
    if files is None:
        if sys.platform == "win32":  # pip's Windows locations are not read here
            return {}
        files = pip_config_files(environ)
    settings = pip_settings(environ, files)
    variables = {
        SETTINGS[option][0]: SETTINGS[option][1].join(values)
        for option, values in settings.items()
        if values
    }
    if "extra-index-url" in settings or "find-links" in settings:
        # pip takes the best version from all indexes together; uv, by default, only
        # the first index that has the package (an old copy on a mirror would win).
        variables["UV_INDEX_STRATEGY"] = "unsafe-best-match"
    return {name: value for name, value in variables.items() if name not in environ}
