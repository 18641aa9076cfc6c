"""The error tree. Every expected failure carries a stable ``code`` (``incident.not_found``).

Each edge maps these once: the API to HTTP statuses, Slack to ephemeral messages, the AI
socket to error frames. Domain code raises them; it never knows about HTTP.
"""

from __future__ import annotations

from typing import Any


class SlarError(Exception):
    """Base of every expected error. ``code`` is stable; ``message`` is for humans."""

    default_code = "error"

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.details = details


class NotFound(SlarError):
    default_code = "not_found"


class Conflict(SlarError):
    """The request is valid but the current state forbids it (ack a resolved incident)."""

    default_code = "conflict"


class InvalidInput(SlarError):
    """Input that validation of shape could not catch (a regex that does not compile...)."""

    default_code = "invalid_input"


class Unauthenticated(SlarError):
    default_code = "auth.unauthenticated"


class PermissionDenied(SlarError):
    default_code = "auth.forbidden"


class TooLarge(SlarError):
    """Input over a stated size bound (a message, a document, a conversation): HTTP 413."""

    default_code = "too_large"


class Unavailable(SlarError):
    """A dependency (database, provider) is down; the caller may retry later."""

    default_code = "unavailable"
