"""Interactive chat with the adapter (or the base or merged model), replies streamed.

`generate` runs in a worker thread and pushes decoded text into a
`TextIteratorStreamer`; the caller iterates over the streamer and prints as text
arrives. A stop event ends generation early (Ctrl-C in the CLI) without losing the
conversation.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import torch
from peft import PeftModel
from transformers import (
    PreTrainedModel,
    PreTrainedTokenizerBase,
    StoppingCriteria,
    StoppingCriteriaList,
    TextIteratorStreamer,
)

from .errors import FinetuneError

# C0 and C1 control characters other than tab and newline: a model can emit bytes that
# a terminal would take as escape sequences (cursor moves, colours, title changes).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Model output made safe to print: control characters become U+FFFD."""
    return _CONTROL.sub("\ufffd", text)


@dataclass(frozen=True)
class Sampling:
    """How replies are drawn: temperature 0 means greedy (always the likeliest token)."""

    temperature: float = 0.7
    top_p: float = 0.9
    max_new_tokens: int = 128

    def generate_kwargs(self) -> dict[str, Any]:
        if self.temperature == 0:
            return {"do_sample": False, "max_new_tokens": self.max_new_tokens}
        return {
            "do_sample": True,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_new_tokens": self.max_new_tokens,
        }


class _StopOnEvent(StoppingCriteria):
    """Ends generation at the next token once the event is set."""

    def __init__(self, event: threading.Event) -> None:
        self.event = event

    def __call__(
        self, input_ids: torch.LongTensor, scores: torch.FloatTensor, **kwargs: Any
    ) -> bool:
        return self.event.is_set()


@dataclass
class ChatSession:
    """One conversation. Chat data keeps the history; plain-text data continues each input.

    The history is rendered with the tokenizer's chat template, as in training. When it
    no longer fits the model's context with room for a reply, the oldest turns go first.
    """

    model: PreTrainedModel | PeftModel
    tokenizer: PreTrainedTokenizerBase
    sampling: Sampling
    system_prompt: str | None = None
    continuation: bool = False
    history: list[dict[str, str]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def reset(self) -> None:
        self.history.clear()

    def _context_limit(self) -> int:
        config = getattr(self.model, "config", None)
        return int(getattr(config, "max_position_embeddings", 2048))

    def _prompt_ids(self, user_text: str) -> list[int]:
        if self.continuation:
            ids: list[int] = self.tokenizer(user_text, add_special_tokens=False)["input_ids"]
            return ids[-(self._context_limit() - self.sampling.max_new_tokens) :]
        turns = [*self.history, {"role": "user", "content": user_text}]
        system = [{"role": "system", "content": self.system_prompt}] if self.system_prompt else []
        room = self._context_limit() - self.sampling.max_new_tokens
        while True:
            rendered = self.tokenizer.apply_chat_template(
                [*system, *turns], tokenize=False, add_generation_prompt=True
            )
            ids = self.tokenizer(str(rendered), add_special_tokens=False)["input_ids"]
            if len(ids) <= room or len(turns) == 1:
                break
            turns = turns[2:]  # drop the oldest user/assistant pair
        if len(ids) > room:
            raise FinetuneError(
                f"the message is {len(ids)} tokens; with max-new-tokens "
                f"{self.sampling.max_new_tokens} the model's context of "
                f"{self._context_limit()} leaves room for {max(room, 0)}"
            )
        self.history[:] = turns[:-1]  # what no longer fits is forgotten for good
        return list(ids)

    def reply(self, user_text: str) -> Generator[str]:
        """Stream the reply to `user_text`, then add both to the history.

        A message that cannot fit raises here, before anything is generated or shown.
        """
        return self._stream(user_text, self._prompt_ids(user_text))

    def _stream(self, user_text: str, ids: list[int]) -> Generator[str]:
        device = next(self.model.parameters()).device
        streamer = TextIteratorStreamer(
            self.tokenizer,
            skip_prompt=True,
            skip_special_tokens=True,
        )
        self.stop.clear()
        failure: list[BaseException] = []

        def work() -> None:
            try:
                with torch.no_grad():
                    self.model.generate(  # type: ignore[operator]  # PeftModel forwards it
                        input_ids=torch.tensor([ids], device=device),
                        attention_mask=torch.ones((1, len(ids)), dtype=torch.long, device=device),
                        streamer=streamer,
                        stopping_criteria=StoppingCriteriaList([_StopOnEvent(self.stop)]),
                        pad_token_id=self.tokenizer.pad_token_id,
                        eos_token_id=self.tokenizer.eos_token_id,
                        **self.sampling.generate_kwargs(),
                    )
            except BaseException as error:  # re-raised in the caller's thread
                failure.append(error)
                streamer.end()

        worker = threading.Thread(target=work, daemon=True)
        worker.start()
        pieces = []
        try:
            for piece in streamer:
                pieces.append(piece)
                yield piece
        finally:
            self.stop.set()
            worker.join()
        if failure:
            raise failure[0]
        if not self.continuation:
            answer = "".join(pieces).strip()
            self.history += [
                {"role": "user", "content": user_text},
                {"role": "assistant", "content": answer},
            ]
