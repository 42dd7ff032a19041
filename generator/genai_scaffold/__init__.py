"""genai-scaffold: portfolio-grade generative-AI projects from one command."""

from typing import Any

# The name on PyPI; `genai-scaffold` there is an unrelated project. The command keeps
# the short name.
DISTRIBUTION = "genai-scaffold-templates"


def __getattr__(name: str) -> Any:
    """`__version__`, read from the package metadata only when asked for.

    Importing importlib.metadata costs more than the rest of `genai-scaffold --help`.
    """
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # running from a source checkout that is not installed
        return "0.0.0+unknown"
