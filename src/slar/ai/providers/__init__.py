"""LLM providers behind one small interface (``base.Provider``): Anthropic's Messages API and
OpenAI-compatible Chat Completions. ``build_provider`` picks one from the settings."""

from __future__ import annotations

from slar.ai.providers.base import Provider
from slar.settings import AiSettings

NOT_CONFIGURED = (
    "the AI assistant is not configured: set ANTHROPIC_API_KEY (Anthropic), or OPENAI_API_KEY "
    "(OpenAI), or SLAR_AI_PROVIDER=openai with SLAR_AI_BASE_URL for a local OpenAI-compatible "
    "server such as Ollama (see docs/ai.md)"
)


def build_provider(settings: AiSettings) -> Provider | None:
    """The configured provider, or ``None`` (the AI endpoints then answer 503)."""
    active = settings.active_provider
    common = {
        "model": settings.model,
        "base_url": settings.base_url,
        "max_tokens": settings.max_tokens,
        "temperature": settings.temperature,
        "timeout": settings.timeout,
        "max_retries": settings.max_retries,
    }
    if active == "anthropic" and settings.anthropic_api_key is not None:
        from slar.ai.providers.anthropic_provider import AnthropicProvider

        return AnthropicProvider(
            api_key=settings.anthropic_api_key.get_secret_value(),
            **common,  # type: ignore[arg-type]
        )
    if active == "openai":
        from slar.ai.providers.openai_provider import OpenAIProvider

        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        return OpenAIProvider(api_key=key, **common)  # type: ignore[arg-type]
    return None
