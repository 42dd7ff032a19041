"""The errors the library raises on purpose; the CLI and the API turn them into messages."""


class ChatbotError(Exception):
    """Base class: an expected failure with a message a user can act on."""


class ConfigError(ChatbotError):
    """The configuration is invalid or incomplete (for example, a missing API key)."""


class DataDirError(ChatbotError):
    """The data folder (index, sessions) cannot be created or written."""


class IndexNotFoundError(ChatbotError):
    """A question was asked before any document was ingested."""


class IngestError(ChatbotError):
    """Ingestion could not run at all (nothing readable, or a path that does not exist)."""


class QuestionTooLongError(ChatbotError):
    """The question is longer than the configured limit."""


class LLMError(ChatbotError):
    """The language model endpoint is down, slow or refused the request."""


class MissingExtraError(ChatbotError):
    """An optional feature was configured without its optional dependencies."""
