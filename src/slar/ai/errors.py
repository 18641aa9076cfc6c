"""The AI edge's failures, mapped once: to an ``error`` frame on the socket, to an HTTP answer
on the REST routes.

API refusals keep the API's own code (``incident.not_found``); provider trouble becomes
``ai.provider_error`` or ``ai.timeout``; a session whose token the API no longer accepts is
closed (policy violation) rather than answered.
"""

from __future__ import annotations

import logging

import httpx

from slar.ai.protocol import ErrorFrame
from slar.ai.providers import NOT_CONFIGURED
from slar.ai.providers.base import ProviderError, ProviderTimeout
from slar.client import ApiError

log = logging.getLogger("slar.ai")

WS_POLICY_VIOLATION = 1008
WS_INTERNAL_ERROR = 1011


class AiError(Exception):
    """An expected failure of a turn with a stable code."""

    def __init__(self, code: str, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def not_configured() -> AiError:
    return AiError("ai.not_configured", NOT_CONFIGURED, status=503)


def to_ai_error(exc: BaseException) -> AiError:
    """Any failure of a turn as an ``AiError`` (unexpected ones are logged with their trace)."""
    if isinstance(exc, AiError):
        return exc
    if isinstance(exc, ProviderTimeout):
        return AiError("ai.timeout", exc.message, status=504)
    if isinstance(exc, ProviderError):
        return AiError("ai.provider_error", exc.message, status=502)
    if isinstance(exc, TimeoutError):
        return AiError("ai.timeout", "the model did not answer in time", status=504)
    if isinstance(exc, ApiError):
        return AiError(exc.code, exc.message, status=exc.status)
    if isinstance(exc, httpx.HTTPError):
        return AiError(
            "ai.api_unreachable", f"the SLAR API could not be reached: {exc}", status=502
        )
    log.exception("assistant turn failed", exc_info=exc)
    return AiError("ai.internal_error", "the assistant failed unexpectedly", status=500)


def error_frame(exc: BaseException) -> ErrorFrame:
    error = to_ai_error(exc)
    return ErrorFrame(code=error.code, message=error.message)


def is_unauthenticated(exc: BaseException) -> bool:
    return isinstance(exc, ApiError) and exc.status == 401
