"""The base model's whereabouts, checked before anything loads: local directory, cache or Hub.

Loading an unknown model through transformers fails only after retries and timeouts,
with an OSError traceback. This check answers in one line: from the disk and the
Hugging Face cache alone when offline (`HF_HUB_OFFLINE=1`), with one metadata request
to the Hub otherwise.
"""

from __future__ import annotations

from pathlib import Path

from huggingface_hub import HfApi, is_offline_mode, try_to_load_from_cache
from huggingface_hub.errors import (  # type: ignore[attr-defined]  # HTTPError: not re-exported
    GatedRepoError,
    HFValidationError,
    HTTPError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

from .config import Config
from .errors import ConfigError

HUB_TIMEOUT_S = 10.0


def _looks_like_a_path(name: str) -> bool:
    return name.startswith((".", "/", "~")) or name.count("/") > 1 or Path(name).exists()


def check_base_model(config: Config) -> None:
    """Fail with one line when `model.name_or_path` names no model this run can load."""
    if config.model.is_tiny:
        return
    name, revision = config.model.name_or_path, config.model.revision
    setting = f"model.name_or_path {name!r}"
    if _looks_like_a_path(name):
        directory = Path(name).expanduser()
        if not (directory / "config.json").is_file():
            raise ConfigError(
                f"{setting}: no model here (a local model directory holds config.json)"
            )
        return
    try:
        cached = try_to_load_from_cache(name, "config.json", revision=revision)
    except HFValidationError:
        raise ConfigError(
            f"{setting} is neither a local directory nor a Hub id like owner/model"
        ) from None
    if isinstance(cached, str):
        return
    if is_offline_mode():
        raise ConfigError(
            f"{setting} is not in the Hugging Face cache and HF_HUB_OFFLINE is set: download it "
            "while online (hf download MODEL) or point to a local directory"
        )
    try:
        HfApi().model_info(name, revision=revision, timeout=HUB_TIMEOUT_S)
    except GatedRepoError:
        raise ConfigError(
            f"{setting} is gated: accept its terms on huggingface.co and log in (hf auth login)"
        ) from None
    except RepositoryNotFoundError:
        raise ConfigError(
            f"{setting}: no such model on the Hugging Face Hub (or it is private: hf auth login)"
        ) from None
    except RevisionNotFoundError:
        raise ConfigError(f"model.revision {revision!r}: not found in {name}") from None
    except (HTTPError, OSError) as error:  # the HTTP client's errors: refused, timed out, 5xx
        raise ConfigError(
            f"cannot reach the Hugging Face Hub to check {setting} ({type(error).__name__}): "
            "check the network, or set HF_HUB_OFFLINE=1 to use the local cache only"
        ) from None
