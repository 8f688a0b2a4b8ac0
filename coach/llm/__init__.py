"""The LLM layer: the only package that talks to litellm. `get_llm(settings)` returns the configured model."""

from __future__ import annotations

from coach.errors import ModelError
from coach.llm.cache import ResponseCache, open_cache  # noqa: F401 - ResponseCache re-exported
from coach.llm.client import LLM, Usage, prefetch_litellm
from coach.llm.fake import FakeLLM
from coach.llm.local import GGUF_SHA256, LOCAL_MODEL_NAME, get_server
from coach.settings import Settings

__all__ = ["LLM", "FakeLLM", "ModelError", "Usage", "get_llm", "prefetch_litellm"]


def get_llm(settings: Settings) -> LLM:
    """`local` (default): the embedded SmolLM2 on 127.0.0.1, or a server at `api_base`; else any litellm model."""
    prefetch_litellm()  # overlaps the import with starting the model server
    cache = open_cache(settings)
    if settings.model == "local":
        if settings.api_base:
            return LLM(settings, model=f"openai/{LOCAL_MODEL_NAME}", api_base=settings.api_base,
                       api_key=settings.api_key or "none", name=f"local:{LOCAL_MODEL_NAME}", cache=cache,
                       llama_grammar=True)
        server = get_server(settings.home)
        return LLM(settings, model=f"openai/{LOCAL_MODEL_NAME}", api_base=server.api_base,
                   api_key=server.api_key, name=f"local:{LOCAL_MODEL_NAME}", cache=cache,
                   cache_scope=f"embedded:{GGUF_SHA256}", llama_grammar=True, prefill=server.prefill)
    return LLM(settings, model=settings.model, api_base=settings.api_base, api_key=settings.api_key,
               cache=cache)
