"""Settings from the environment, a `.env` file and a TOML config file, checked at start-up."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from .config_keys import check_toml_keys, check_variable_names, read_toml
from .errors import ConfigError

DEFAULT_CONFIG_FILE = Path("rag.toml")
ENV_PREFIX = "RAG_"

LLMProvider = Literal[
    "none", "openai", "azure-openai", "ollama", "openai-compatible", "anthropic", "gemini"
]
EmbeddingsProvider = Literal["none", "local", "sentence-transformers", "openai"]
# Providers that need no network once installed: `--offline` keeps them.
OFFLINE_EMBEDDINGS: frozenset[str] = frozenset({"none", "local"})
VectorStoreKind = Literal["embedded", "qdrant"]


class LLMSettings(BaseModel):
    """Which chat model writes answers; `none` is the offline extractive answerer."""

    provider: LLMProvider = "none"
    model: str = "gpt-4o-mini"
    base_url: str | None = None
    api_key: SecretStr | None = None
    azure_endpoint: str | None = None
    api_version: str = "2024-10-21"
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    timeout_s: float = Field(default=30.0, gt=0)
    max_retries: int = Field(default=1, ge=0)
    # Prices in US dollars per million tokens; when both are set, `eval` reports cost.
    input_price_per_mtok: float | None = Field(default=None, ge=0)
    output_price_per_mtok: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _provider_is_complete(self) -> LLMSettings:
        # Fail at start-up, not on the first question, and say which variable to set.
        missing = {
            "openai": [("api_key", "RAG_LLM__API_KEY or OPENAI_API_KEY")],
            "azure-openai": [
                ("api_key", "RAG_LLM__API_KEY or AZURE_OPENAI_API_KEY"),
                ("azure_endpoint", "RAG_LLM__AZURE_ENDPOINT"),
            ],
            "openai-compatible": [("base_url", "RAG_LLM__BASE_URL")],
            "anthropic": [("api_key", "RAG_LLM__API_KEY")],
            "gemini": [("api_key", "RAG_LLM__API_KEY")],
        }.get(self.provider, [])
        for field, variable in missing:
            if not getattr(self, field):
                raise ValueError(
                    f"llm provider '{self.provider}' needs llm.{field}: set {variable} "
                    "(in the environment or .env) or choose provider 'none' to run offline"
                )
        return self


class EmbeddingsSettings(BaseModel):
    """The dense retriever fused with BM25; `none` keeps retrieval lexical (BM25) only.

    `local` runs all-MiniLM-L6-v2 (or a local folder holding another BERT sentence
    encoder) in NumPy, offline, with no PyTorch: see local_encoder.py.
    """

    provider: EmbeddingsProvider = "none"
    model: str = "sentence-transformers/all-MiniLM-L6-v2"
    base_url: str | None = None
    api_key: SecretStr | None = None
    batch_size: int = Field(default=64, ge=1)

    @model_validator(mode="after")
    def _provider_is_complete(self) -> EmbeddingsSettings:
        if self.provider == "openai" and not (self.api_key or self.base_url):
            raise ValueError(
                "embeddings provider 'openai' needs embeddings.api_key (RAG_EMBEDDINGS__API_KEY "
                "or OPENAI_API_KEY) "
                "or an OpenAI-compatible embeddings.base_url (RAG_EMBEDDINGS__BASE_URL)"
            )
        return self


class VectorStoreSettings(BaseModel):
    """Where dense vectors live: a file in the index (embedded) or a Qdrant server."""

    kind: VectorStoreKind = "embedded"
    url: str = "http://localhost:6333"
    collection: str = "chunks"
    api_key: SecretStr | None = None
    path: Path | None = Field(
        default=None,
        description="Qdrant local mode: keep the collection in this folder, no server.",
    )


class RetrievalSettings(BaseModel):
    """How many chunks to fetch and when retrieval is too weak to answer."""

    top_k: int = Field(default=4, ge=1, le=20)
    candidates: int = Field(default=40, ge=1, le=200)
    rrf_k: int = Field(default=60, ge=1)
    min_confidence: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="Abstain when the best chunk covers less of the question than this.",
    )


class RerankerSettings(BaseModel):
    """An optional cross-encoder that reorders the fused candidates before the top_k cut."""

    kind: Literal["none", "cross-encoder"] = "none"
    model: str = "cross-encoder/ms-marco-MiniLM-L6-v2"
    batch_size: int = Field(default=32, ge=1)


class ServerSettings(BaseModel):
    """`serve`: where it listens, and the token that `POST /ingest` requires."""

    host: str = Field(default="127.0.0.1", description="Loopback only unless told otherwise.")
    port: int = Field(default=8000, ge=1, le=65535)
    admin_token: SecretStr | None = Field(
        default=None, description="Bearer token for POST /ingest; unset means refused."
    )


class ChunkingSettings(BaseModel):
    """How files become indexed chunks; a change re-chunks and re-indexes every file.

    Chunk size is in characters; sections shorter than this stay whole.
    """

    chunk_size: int = Field(default=800, ge=100)
    chunk_overlap: int = Field(default=100, ge=0)
    heading_weight: int = Field(
        default=1,
        ge=1,
        le=5,
        description="How many times a chunk's title and headings count for BM25.",
    )


class Settings(BaseSettings):
    """Every setting of the chatbot; nested keys use `__` in environment variables."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
        toml_file=DEFAULT_CONFIG_FILE,
    )

    company: str = "the company"
    data_dir: Path = Path(".rag")
    max_question_chars: int = Field(default=1000, ge=10)
    history_turns: int = Field(default=6, ge=0, description="Question/answer pairs kept.")
    max_sessions: int = Field(default=1000, ge=1)
    ingest_root: Path = Field(
        default=Path(),
        description="POST /ingest only reads files below this folder.",
    )
    llm: LLMSettings = LLMSettings()
    embeddings: EmbeddingsSettings = EmbeddingsSettings()
    # The variables the OpenAI SDKs read, accepted when no RAG_* key is set; read only to
    # fill llm.api_key and embeddings.api_key, never used directly.
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias="OPENAI_API_KEY", exclude=True, repr=False
    )
    azure_openai_api_key: SecretStr | None = Field(
        default=None, validation_alias="AZURE_OPENAI_API_KEY", exclude=True, repr=False
    )
    vector_store: VectorStoreSettings = VectorStoreSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    reranker: RerankerSettings = RerankerSettings()
    server: ServerSettings = ServerSettings()
    chunking: ChunkingSettings = ChunkingSettings()

    @model_validator(mode="before")
    @classmethod
    def _standard_key_variables(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        keys = {
            "llm": data.get(
                "AZURE_OPENAI_API_KEY"
                if _provider(data.get("llm")) == "azure-openai"
                else "OPENAI_API_KEY"
            ),
            "embeddings": data.get("OPENAI_API_KEY"),
        }
        for section, key in keys.items():
            values = data.get(section)
            if key and isinstance(values, dict) and not values.get("api_key"):
                data = {**data, section: {**values, "api_key": key}}
        return data

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Highest priority first: explicit arguments, environment, .env, the config file.
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            TomlConfigSettingsSource(settings_cls),
        )

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def sessions_dir(self) -> Path:
        return self.data_dir / "sessions"


# A default for "build it from the settings"; None already means "none" (for example no
# chat model: extractive answers), so tests can inject fakes or None explicitly.
CONFIGURED: Any = object()


def _provider(section: Any) -> Any:
    return section.get("provider") if isinstance(section, dict) else None


OFFLINE_OVERRIDES: dict[str, Any] = {
    "llm": {"provider": "none"},
    "embeddings": {"provider": "none"},
    "vector_store": {"kind": "embedded"},
}


def load_settings(
    config_file: Path | None = DEFAULT_CONFIG_FILE,
    env_file: Path | None = Path(".env"),
    *,
    offline: bool = False,
    **overrides: Any,
) -> Settings:
    """Build the settings once, at start-up, and turn validation errors into one message.

    `offline` forces the extractive answerer whatever the files say, and lexical retrieval
    unless the embeddings run locally (`none` or `local`), so the demo and the evaluation
    run with no API key and no network. Misspelt keys in
    the config file, `.env` or `RAG_*` variables are errors, not silently ignored.
    """
    if config_file is not None and config_file != DEFAULT_CONFIG_FILE and not config_file.is_file():
        raise ConfigError(f"config file {config_file} does not exist")
    if config_file is not None and config_file.is_file():
        check_toml_keys(read_toml(config_file), Settings, config_file)
    check_variable_names(os.environ, Settings, ENV_PREFIX, "__", "the environment")
    if env_file is not None and env_file.is_file():
        from dotenv import dotenv_values  # pydantic-settings reads .env with it too

        check_variable_names(dotenv_values(env_file), Settings, ENV_PREFIX, "__", str(env_file))

    class _Settings(Settings):
        model_config = SettingsConfigDict(toml_file=config_file)

    def build(values: dict[str, Any]) -> Settings:
        try:
            return _Settings(_env_file=env_file, **values)  # type: ignore[call-arg]
        except ValidationError as error:
            raise ConfigError(_describe(error)) from None

    if not offline:
        return build(overrides)
    overrides["llm"] = {**OFFLINE_OVERRIDES["llm"], **overrides.get("llm", {})}
    try:
        settings = build(overrides)
    except ConfigError:
        # Network embeddings without their key: offline replaces them below, and any other
        # invalid value fails again there, with its own message.
        pass
    else:
        if settings.embeddings.provider in OFFLINE_EMBEDDINGS:
            return settings  # the local encoder needs no network: keep hybrid retrieval
    for key in ("embeddings", "vector_store"):
        overrides[key] = {**OFFLINE_OVERRIDES[key], **overrides.get(key, {})}
    return build(overrides)


def _describe(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"])
        message = str(item["msg"]).removeprefix("Value error, ")
        problems.append(f"{location}: {message}" if location else message)
    return "invalid configuration: " + "; ".join(problems)
