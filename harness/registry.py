"""Make uv install from the package registries pip is configured with.

uv reads neither pip.conf nor `PIP_*` variables. A machine that points pip at a mirror,
an extra index or a folder of wheels (a CPU build of PyTorch, say) would otherwise have
uv resolve against PyPI alone. pip itself says what it is configured with
(`pip config list`: its config files merged, and its `PIP_*` variables); this turns
that into the `UV_*` variables that say the same. Any `UV_*` variable already set wins.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections.abc import Mapping

# pip's option -> (uv's variable, the separator uv expects between several values).
SETTINGS = {
    "index-url": ("UV_INDEX_URL", " "),
    "extra-index-url": ("UV_EXTRA_INDEX_URL", " "),
    "find-links": ("UV_FIND_LINKS", ","),
    "constraint": ("UV_CONSTRAINT", " "),
    "cert": ("SSL_CERT_FILE", " "),
}
# Which of pip's sections wins for `pip install`: variables over files, and a file's
# [install] section over its [global] one.
PRECEDENCE = {"global": 0, "install": 1, ":env:": 2}


def pip_config_listing(environ: Mapping[str, str]) -> str:
    """`pip config list` as pip prints it, or nothing where pip cannot say."""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"],
        env=dict(environ),
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout if result.returncode == 0 else ""


def pip_settings(listing: str) -> dict[str, list[str]]:
    """The values `pip install` uses for each option of SETTINGS, from pip's listing.

    Each line reads `section.option='value'` (`:env:.option` for a `PIP_*` variable).
    """
    chosen: dict[str, tuple[int, list[str]]] = {}
    for line in listing.splitlines():
        key, _, value = line.partition("=")
        section, _, option = key.rpartition(".")
        rank = PRECEDENCE.get(section)
        if option in SETTINGS and rank is not None and rank >= chosen.get(option, (-1, []))[0]:
            chosen[option] = (rank, str(ast.literal_eval(value)).split())
    return {option: values for option, (_, values) in chosen.items()}


def uv_environment(
    environ: Mapping[str, str] | None = None, listing: str | None = None
) -> dict[str, str]:
    """The `UV_*` variables that make uv use pip's registries, resolving as pip does.

    `listing` is `pip config list`'s output (default: asked of pip on this machine).
    """
    environ = os.environ if environ is None else environ
    settings = pip_settings(pip_config_listing(environ) if listing is None else listing)
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
