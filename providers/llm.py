"""The chat model client: any OpenAI-compatible server (OpenAI, Azure OpenAI v1, vLLM, Ollama).

Provider errors become one of two exceptions: `LLMUnavailable` (transient: retry later) and
`LLMRejected` (permanent: fail the work and say why). Only `providers/` talks to a model server.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings


class LLMUnavailable(Exception):
    """The provider could not be reached or is overloaded; retrying may succeed."""


class LLMRejected(Exception):
    """The provider refused the request or answered with something unusable."""


@dataclass(frozen=True)
class Completion:
    content: str
    model: str
    prompt_tokens: int | None
    completion_tokens: int | None


def token_cost(prompt_tokens: int | None, completion_tokens: int | None) -> Decimal | None:
    """What the tokens cost at LLM_PROMPT_PRICE and LLM_COMPLETION_PRICE (per million tokens);
    None when a price or a count is unknown."""
    prices = (settings.LLM_PROMPT_PRICE, settings.LLM_COMPLETION_PRICE)
    if None in (*prices, prompt_tokens, completion_tokens):
        return None
    prompt_price, completion_price = (Decimal(str(price)) for price in prices)
    return (prompt_tokens * prompt_price + completion_tokens * completion_price) / 1_000_000


def complete_json(messages: list[dict[str, str]]) -> Completion:
    """One chat completion asking for a JSON object, from the configured LLM."""
    import openai

    try:
        response = openai_client().chat.completions.create(
            model=settings.LLM_MODEL,
            messages=messages,
            temperature=0,
            max_tokens=settings.LLM_MAX_TOKENS,
            response_format={"type": "json_object"},
        )
    except (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError) as exc:
        raise LLMUnavailable(str(exc)) from exc
    except openai.APIError as exc:
        raise LLMRejected(str(exc)) from exc
    if not response.choices:
        raise LLMRejected("the completion has no choices")
    usage = response.usage
    return Completion(
        content=response.choices[0].message.content or "",
        model=response.model or settings.LLM_MODEL,
        prompt_tokens=usage.prompt_tokens if usage else None,
        completion_tokens=usage.completion_tokens if usage else None,
    )


def openai_client():  # -> openai.OpenAI
    import openai

    return openai.OpenAI(
        base_url=settings.OPENAI_BASE_URL,
        api_key=settings.OPENAI_API_KEY or "not-needed",
        timeout=settings.OPENAI_TIMEOUT,
        max_retries=2,
    )
