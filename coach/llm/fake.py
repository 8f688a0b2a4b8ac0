"""A scripted stand-in for unit tests: returns queued answers (validated like real ones) or raises queued errors."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from coach.errors import ModelError

T = TypeVar("T", bound=BaseModel)


class FakeLLM:
    """Queue dicts, JSON strings or exceptions with `enqueue`; `calls` records every request."""

    model = "fake"

    def __init__(self, *answers: object) -> None:
        self.queue: list[object] = list(answers)
        self.calls: list[dict[str, Any]] = []

    def enqueue(self, *answers: object) -> None:
        self.queue.extend(answers)

    def generate(self, *, messages: list[dict[str, str]], schema: type[T], n: int = 1, temperature: float = 0.7,
                 max_tokens: int = 512, seed: int | None = None, deadline: float | None = None) -> list[T]:
        self.calls.append({"messages": messages, "schema": schema, "n": n, "temperature": temperature,
                           "deadline": deadline})
        out: list[T] = []
        for _ in range(max(1, n)):
            if not self.queue:
                break
            item = self.queue.pop(0)
            if isinstance(item, BaseException):
                raise item
            try:
                out.append(schema.model_validate_json(item) if isinstance(item, str)
                           else schema.model_validate(item))
            except ValidationError:
                continue  # like the real client: an invalid answer is dropped
        if not out:
            raise ModelError("the model returned no valid answer")
        return out

    def prompt_text(self) -> str:
        return "\n".join(m["content"] for c in self.calls for m in c["messages"])


def as_json(obj: object) -> str:
    return json.dumps(obj)
