"""Publish the trained adapter and its model card to the Hugging Face Hub.

Only what someone needs to use the adapter goes up: its config and safetensors weights,
the tokenizer files and the model card (README.md). Pickled files such as the
Trainer's `training_args.bin` stay local: loading a pickle can run code.
`HF_ENDPOINT` points the client at another Hub (a private one, or a test server);
the token comes from `--token`, `HF_TOKEN` or `hf auth login`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from httpx2 import TransportError  # huggingface_hub's HTTP client
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError, HFValidationError, OfflineModeIsEnabled

from .config import Config
from .errors import FinetuneError
from .paths import adapter_dir, metrics_path
from .pipeline import report

logger = logging.getLogger(__name__)

UPLOADED = ["*.json", "*.safetensors", "*.md", "*.txt", "*.jinja", "*.model"]


class PushError(FinetuneError):
    """The Hub refused the upload or could not be reached."""


@dataclass(frozen=True)
class PushResult:
    """Where the adapter went: the repository and the commit that holds this upload."""

    repo_url: str
    commit_url: str


def _explain(error: HfHubHTTPError, repo_id: str) -> str:
    status = error.response.status_code if error.response is not None else None
    if status == 401:
        return "the Hub did not accept the token (401): run `hf auth login` or set HF_TOKEN"
    if status == 403:
        return f"the token may not write to {repo_id} (403): use a token with write access"
    detail = error.server_message or str(error).splitlines()[0]
    return f"the Hub refused the upload ({status}): {detail}"


def push_adapter(
    config: Config,
    repo_id: str,
    *,
    private: bool = False,
    token: str | None = None,
    endpoint: str | None = None,
) -> PushResult:
    """Create `repo_id` if needed and upload the adapter folder in one commit.

    The model card is written afresh first, so that the card on the Hub always
    describes the adapter uploaded with it.
    """
    if config.training.method == "full":
        raise PushError("training.method is full: push publishes a LoRA adapter, and there is none")
    directory = adapter_dir(config)
    if not (directory / "adapter_config.json").is_file():
        raise PushError(f"no adapter in {directory}: run train first")
    if not metrics_path(config).is_file():
        raise PushError(f"no evaluation in {metrics_path(config)}: run evaluate first")
    report(config)
    api = HfApi(endpoint=endpoint, token=token)
    try:
        repo = api.create_repo(repo_id, private=private, exist_ok=True)
        commit = api.upload_folder(
            repo_id=repo.repo_id,
            folder_path=directory,
            allow_patterns=UPLOADED,
            commit_message=f"Upload LoRA adapter for {config.model.name_or_path}",
        )
    except OfflineModeIsEnabled:
        raise PushError("HF_HUB_OFFLINE is set: unset it to push to the Hub") from None
    except HFValidationError as error:
        raise PushError(f"'{repo_id}' is not a Hub repository id: {error}") from None
    except HfHubHTTPError as error:
        raise PushError(_explain(error, repo_id)) from None
    except (TransportError, OSError) as error:  # refused connection, DNS failure, timeout
        raise PushError(f"cannot reach the Hub at {api.endpoint}: {error}") from None
    logger.info("pushed %s to %s", directory, commit.commit_url)
    return PushResult(repo_url=str(repo), commit_url=commit.commit_url)
