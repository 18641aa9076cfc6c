"""What both clients share: a described call, and turning a response into a value or an error."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import httpx
from pydantic import TypeAdapter

T = TypeVar("T")


class ApiError(Exception):
    """The API refused a call. ``code`` is the stable error code (``incident.resolved``)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        retry_after: str | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}
        self.retry_after = retry_after


@dataclass(frozen=True)
class Call(Generic[T]):
    """One API call: request parts and the type its answer decodes to (``None``: no body)."""

    method: str
    path: str
    result: TypeAdapter[T] | None
    json: Any = None
    params: dict[str, Any] = field(default_factory=dict)

    def query(self) -> dict[str, Any]:
        """Query parameters without unset values (lists are sent as repeated keys)."""
        return {k: v for k, v in self.params.items() if v is not None and v != []}


def raise_for_error(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    code, message, details = "http.error", response.reason_phrase, None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
        code = str(error.get("code", code))
        message = str(error.get("message", message))
        details = error.get("details")
    elif isinstance(body, dict) and "message" in body:  # PagerDuty-shaped answers
        message = str(body["message"])
        details = {"errors": body.get("errors", [])}
    raise ApiError(
        response.status_code, code, message, details, response.headers.get("retry-after")
    )


def decode(call: Call[T], response: httpx.Response) -> T:
    raise_for_error(response)
    if call.result is None:
        return None  # type: ignore[return-value]
    return call.result.validate_python(response.json())


def adapter(kind: Any) -> TypeAdapter[Any]:
    return TypeAdapter(kind)
