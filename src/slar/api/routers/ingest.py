"""Webhook ingestion: PagerDuty Events v2 (``POST /v2/enqueue``) and
``POST /integrations/{key}/{alertmanager|datadog|grafana|generic}``.

No principal: the integration key (in the body for PagerDuty, in the URL otherwise) is the
credential. What senders need from us (see ``docs/integrations.md``):

- **2xx only after commit.** The handler opens the transaction itself (``db.transaction()``)
  and builds the response *after* the ``with`` block: if the commit fails, the sender gets a
  503, never a 202 for an alert that is not stored. (``PublicTx`` would commit before sending
  too, but its failures surface outside the handler, in the generic error shape; here the
  PagerDuty endpoint must answer in PagerDuty's shape, and the transaction boundary of the
  one path that must never lose data stays visible in one place.)
- **503 with Retry-After, never 429,** when the database is unreachable or the pool is
  exhausted: Alertmanager, Datadog and the PagerDuty client retry 5xx at once, while a 4xx
  makes Alertmanager wait a whole group interval.
- **Bounded bodies.** More than ``SLAR_MAX_BODY_BYTES`` (512 KiB) is refused with 413, by
  ``Content-Length`` and by counting while reading (chunked bodies have no length). Bodies are
  read on the event loop; decoding, parsing and the database work run in the thread pool.
- Invalid JSON, JSON nested too deeply to decode, and payloads the parser refuses are 400s
  naming the problem; an unknown key is 404; a key posted to another format's URL is 400
  naming the right URL.

PagerDuty's endpoint answers in PagerDuty's shapes (``{"status": "success", "message":
"Event processed", "dedup_key": ...}``, ``{"status": "invalid event", "message": ...,
"errors": [...]}``); the others in SLAR's (``IngestAccepted`` and the usual error body).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from slar.api.deps import api_state
from slar.api.errors import RETRY_AFTER_SECONDS, error_body
from slar.api.state import ApiState
from slar.db import is_unavailable
from slar.domain.alerts import service
from slar.domain.alerts.ingest_schemas import IngestAccepted, PagerDutyAccepted, PagerDutyRejected
from slar.kernel.errors import NotFound, SlarError, Unavailable
from slar.observability.metrics import INGEST_EVENTS, INGEST_LATENCY

log = logging.getLogger("slar.ingest")

router = APIRouter(tags=["ingest"])

GROUPED_FORMATS = ("alertmanager", "datadog", "grafana", "generic")
DRAIN_LIMIT_FACTOR = 8
"""An over-long body is still read (and dropped) up to this many times the limit, so that the
sender, still writing, receives the 413 instead of a reset connection."""


class _Refused(Exception):
    """A request answered with an error: status, SLAR code, message, PagerDuty ``errors``."""

    def __init__(
        self, status: int, code: str, message: str, errors: list[str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors or [message]


# --- routes ----------------------------------------------------------------------------------

_PD_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": PagerDutyRejected, "description": text}
    for status, text in (
        (400, "Invalid event, JSON or key"),
        (404, "Unknown routing_key"),
        (413, "Body over 512 KiB"),
        (503, "Database unavailable: retry (Retry-After)"),
    )
}


@router.post(
    "/v2/enqueue",
    status_code=202,
    response_model=PagerDutyAccepted,
    responses=_PD_ERRORS,
    summary="PagerDuty Events API v2: trigger, acknowledge or resolve",
)
async def enqueue(request: Request) -> Response:
    return await _handle(request, "pagerduty", key=None)


def _format_route(kind: str) -> Callable[[str, Request], Any]:
    async def receive(key: str, request: Request) -> Response:
        return await _handle(request, kind, key=key)

    receive.__name__ = f"receive_{kind}"
    return receive


for _kind in GROUPED_FORMATS:
    router.add_api_route(
        f"/integrations/{{key}}/{_kind}",
        _format_route(_kind),
        methods=["POST"],
        status_code=202,
        response_model=IngestAccepted,
        summary=f"Receive a {_kind} webhook (the key in the URL is the credential)",
        responses={400: {}, 404: {}, 413: {}, 503: {}},
    )


# --- handling --------------------------------------------------------------------------------


async def _handle(request: Request, kind: str, *, key: str | None) -> Response:
    state = api_state(request)
    started = time.perf_counter()
    try:
        raw = await _read_limited(request, state.settings.http.max_body_bytes)
        response = await run_in_threadpool(_store, state, kind, key, raw)
    except _Refused as refused:
        INGEST_EVENTS.labels(kind, refused.code).inc()
        response = _render_refusal(kind, refused)
    except Exception:
        INGEST_EVENTS.labels(kind, "error").inc()
        raise
    finally:
        INGEST_LATENCY.labels(kind).observe(time.perf_counter() - started)
    return response


async def _read_limited(request: Request, limit: int) -> bytes:
    drain_budget = limit * DRAIN_LIMIT_FACTOR
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        if int(declared) <= drain_budget:
            async for _chunk in request.stream():
                pass
        raise _too_large(limit)
    received = bytearray()
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size <= limit:
            received += chunk
        elif size > drain_budget:
            break  # stop reading: the connection will be closed after the 413
    if size > limit:
        raise _too_large(limit)
    return bytes(received)


def _too_large(limit: int) -> _Refused:
    return _Refused(413, "ingest.too_large", f"the body is larger than {limit} bytes")


def _store(state: ApiState, kind: str, key: str | None, raw: bytes) -> Response:
    """Decode, then one transaction: authenticate by key, parse, ingest, commit; then answer."""
    body = _decode(raw)
    if key is None:
        key = _routing_key(body)
    try:
        with state.db.transaction() as session:
            result = service.receive(session, key=key, kind=kind, body=body, now=state.clock.now())
        # Committed: only now may the sender hear "accepted".
    except SlarError as error:
        raise _refusal(error, kind) from None
    except SQLAlchemyError as error:
        if not is_unavailable(error):
            raise
        log.warning("ingest: database unavailable (%s)", error.__class__.__name__)
        raise _unavailable() from None
    INGEST_EVENTS.labels(kind, "accepted").inc(max(len(result.dedup_keys), 1))
    if kind == "pagerduty":
        accepted: Any = PagerDutyAccepted(dedup_key=result.dedup_keys[0])
    else:
        accepted = IngestAccepted(
            alerts=result.alerts,
            suppressed=result.suppressed,
            incidents=list(result.incidents),
            opened=list(result.opened),
            resolved=list(result.resolved),
        )
    return JSONResponse(accepted.model_dump(), status_code=202)


def _decode(raw: bytes) -> object:
    if not raw.strip():
        raise _Refused(400, "ingest.invalid_json", "the body is empty; send a JSON object")
    try:
        return json.loads(raw)
    except RecursionError:
        raise _Refused(400, "ingest.invalid_json", "the JSON body is nested too deeply") from None
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError
        raise _Refused(400, "ingest.invalid_json", f"the body is not valid JSON: {error}") from None


def _routing_key(body: object) -> str:
    value = body.get("routing_key") if isinstance(body, dict) else None
    if not isinstance(value, str) or not value.strip():
        raise _Refused(400, "ingest.invalid_payload", "routing_key is required (a string)")
    return value.strip()


def _refusal(error: SlarError, kind: str) -> _Refused:
    if isinstance(error, NotFound):
        if kind == "pagerduty":
            unknown = ["routing_key does not match any integration"]
            return _Refused(404, error.code, error.message, unknown)
        return _Refused(404, error.code, error.message)
    if isinstance(error, Unavailable):
        return _unavailable(error.message)
    details = error.details.get("errors")
    field_errors = [str(e) for e in details] if isinstance(details, list) else None
    return _Refused(400, error.code, error.message, field_errors)


def _unavailable(message: str = "the database is unavailable; retry later") -> _Refused:
    return _Refused(503, "unavailable", message)


def _render_refusal(kind: str, refused: _Refused) -> JSONResponse:
    headers = {"Retry-After": RETRY_AFTER_SECONDS} if refused.status == 503 else None
    if kind != "pagerduty":
        details: dict[str, object] = {}
        if refused.errors != [refused.message]:
            details["errors"] = refused.errors
        return JSONResponse(
            error_body(refused.code, refused.message, **details),
            status_code=refused.status,
            headers=headers,
        )
    if refused.status == 503:
        status, message = "unavailable", "Service unavailable; retry later"
    elif refused.status == 413:
        status, message = "invalid event", "Event object is too large"
    else:
        status, message = "invalid event", "Event object is invalid"
    body = PagerDutyRejected(status=status, message=message, errors=refused.errors)
    return JSONResponse(body.model_dump(), status_code=refused.status, headers=headers)
