"""The project's error types: expected failures the CLI reports in one line."""


class EvalError(Exception):
    """Base class: the CLI prints these as `Error: message` and exits with status 1."""


class SpecError(EvalError):
    """A study or series file is invalid; the message names the file, line and key."""


class DataError(EvalError):
    """A ratings or pairwise file is malformed; the message names the row and column."""


class BackendError(EvalError):
    """An image backend cannot run (missing extra, missing weights, API failure)."""
