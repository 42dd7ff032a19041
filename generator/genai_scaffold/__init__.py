"""genai-scaffold: portfolio-grade generative-AI projects from one command."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("genai-scaffold")
except PackageNotFoundError:  # running from a source checkout that is not installed
    __version__ = "0.0.0+unknown"
