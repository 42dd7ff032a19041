"""The project's errors: expected failures that the CLI turns into a one-line message."""


class FinetuneError(Exception):
    """Base class: a problem the user can fix (bad config, bad data, missing hardware)."""


class ConfigError(FinetuneError):
    """The YAML config is missing, malformed or asks for something contradictory."""


class DataError(FinetuneError):
    """A data file is missing or holds an invalid example."""


class HardwareError(FinetuneError):
    """The config needs hardware or a package this machine does not have."""


class MergeError(FinetuneError):
    """The merged model does not reproduce the base model plus adapter."""


class LaunchError(FinetuneError):
    """Processes started together by a launcher would not form one training run."""
