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
  read on the event loop; decoding, parsing and the database work run in a thread pool of
  ingestion's own (cheaper than AnyIO's, and sized apart from the other routes).
- **Bounded concurrency.** At most ``INGEST_CONCURRENCY`` requests per process (and never more
  than the connection pool holds) are in the database at once; the others wait on the event
  loop for a slot, and one that waits longer than ``SLAR_DB_POOL_TIMEOUT`` is shed with 503,
  as a request that cannot get a pooled connection is. Python holds one core per process, so
  more transactions in flight only add GIL hand-offs and PostgreSQL backends competing for the
  same two cores: on the benchmark machine 2-4 slots sustained ~20 % more events per second
  than 32 threads did, with a third of the worst-case latency (bench/README.md).
- **A fast lane.** Ingestion is the one path where the framework's per-request cost matters
  (hundreds of events per second per process): ``IngestFastLane``, an ASGI middleware of the
  API app, answers these URLs before FastAPI's routing (a scan of every route) and dependency
  machinery. The FastAPI routes below stay: they document the endpoints in OpenAPI and serve
  them when the app is built without the lane; both run the same ``_ingest``. Errors the
  handler does not answer itself go to the app's own exception handlers, as they would from
  a route.
- Invalid JSON, JSON nested too deeply to decode, and payloads the parser refuses are 400s
  naming the problem; an unknown key is 404; a key posted to another format's URL is 400
  naming the right URL.

PagerDuty's endpoint answers in PagerDuty's shapes (``{"status": "success", "message":
"Event processed", "dedup_key": ...}``, ``{"status": "invalid event", "message": ...,
"errors": [...]}``); the others in SLAR's (``IngestAccepted`` and the usual error body).
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import re
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from slar.api.deps import api_state
from slar.api.errors import RETRY_AFTER_SECONDS, error_body
from slar.api.state import ApiState
from slar.db import is_unavailable
from slar.domain.alerts import service
from slar.domain.alerts.ingest_schemas import IngestAccepted, PagerDutyAccepted, PagerDutyRejected
from slar.kernel.errors import NotFound, SlarError, Unavailable
from slar.observability.metrics import INGEST_EVENTS, INGEST_LATENCY, labelled

log = logging.getLogger("slar.ingest")

router = APIRouter(tags=["ingest"])

GROUPED_FORMATS = ("alertmanager", "datadog", "grafana", "generic")
PAGERDUTY_PATH = "/v2/enqueue"
_FORMAT_PATH = re.compile(r"/integrations/([^/]+)/(" + "|".join(GROUPED_FORMATS) + r")")

INGEST_CONCURRENCY = 4
"""Ingestion transactions in flight per process (see the module docstring)."""

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
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
    PAGERDUTY_PATH,
    status_code=202,
    response_model=PagerDutyAccepted,
    responses=_PD_ERRORS,
    summary="PagerDuty Events API v2: trigger, acknowledge or resolve",
)
async def enqueue(request: Request) -> Response:
    declared = request.headers.get("content-length", "")
    return await _ingest(api_state(request), declared, request.receive, "pagerduty", None)


def _format_route(kind: str) -> Callable[[str, Request], Any]:
    async def receive(key: str, request: Request) -> Response:
        declared = request.headers.get("content-length", "")
        return await _ingest(api_state(request), declared, request.receive, kind, key)

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


class IngestFastLane:
    """ASGI middleware: ``POST`` to an ingestion URL is answered here, anything else goes on
    to the app (see the module docstring). Install it on the API app, inside the request-id
    and metrics middleware: ``app.add_middleware(IngestFastLane)`` after it in code."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            route = _route(scope)
            if route is not None:
                await self._serve(scope, receive, send, *route)
                return
        await self.app(scope, receive, send)

    async def _serve(
        self, scope: Scope, receive: Receive, send: Send, kind: str, key: str | None
    ) -> None:
        app = scope["app"]
        try:
            declared = _content_length(scope)
            response = await _ingest(app.state.slar, declared, receive, kind, key)
        except _Disconnected:
            return
        except Exception as exc:
            # What ExceptionMiddleware would do for a route: the app's handler for the error.
            handler = _exception_handler(app, exc)
            if handler is None:
                raise
            response = await handler(Request(scope, receive), exc)
        await response(scope, receive, send)


def _route(scope: Scope) -> tuple[str, str | None] | None:
    """``(kind, key)`` of an ingestion URL (key None: in the body), else None."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    if path == PAGERDUTY_PATH:
        return "pagerduty", None
    found = _FORMAT_PATH.fullmatch(path)
    return (found.group(2), found.group(1)) if found else None


def _exception_handler(app: Any, exc: Exception) -> Any:
    handlers: dict[Any, Any] = getattr(app, "exception_handlers", {})
    for cls in type(exc).__mro__:
        if cls in handlers:
            return handlers[cls]
    return None


def _content_length(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"content-length":  # ASGI servers give header names in lower case
            return str(value.decode("latin-1"))
    return ""


class _Disconnected(Exception):
    """The sender went away before its body arrived: nobody to answer."""


# --- handling --------------------------------------------------------------------------------


async def _ingest(
    state: ApiState, declared_length: str, receive: Receive, kind: str, key: str | None
) -> Response:
    """Read the body, run ``_store`` in a database slot, count and time it; the answer."""
    started = time.perf_counter()
    try:
        raw = await _read_limited(declared_length, receive, state.settings.http.max_body_bytes)
        response = await _gate(state).run(_store, state, kind, key, raw)
    except _Refused as refused:
        labelled(INGEST_EVENTS, kind, refused.code).inc()
        response = _render_refusal(kind, refused)
    except _Disconnected:
        raise
    except Exception:
        labelled(INGEST_EVENTS, kind, "error").inc()
        raise
    finally:
        labelled(INGEST_LATENCY, kind).observe(time.perf_counter() - started)
    return response


class _Gate:
    """Admission to the database for one event loop: ``slots`` requests at a time, each on a
    thread of its own; a request that waits ``timeout`` seconds for a slot is shed (503)."""

    def __init__(self, slots: int, timeout: float) -> None:
        self.slots = asyncio.Semaphore(slots)
        self.timeout = timeout
        self.executor = ThreadPoolExecutor(max_workers=slots, thread_name_prefix="slar-ingest")

    async def run(self, work: Callable[..., Response], *args: Any) -> Response:
        try:
            async with asyncio.timeout(self.timeout):
                await self.slots.acquire()
        except TimeoutError:
            log.warning("ingest: no database slot within %.1f s; shedding load", self.timeout)
            raise _unavailable("the server is overloaded; retry later") from None
        try:
            context = contextvars.copy_context()  # the request id, for the logs of the work
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self.executor, context.run, work, *args)
        finally:
            self.slots.release()


_GATES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Gate] = weakref.WeakKeyDictionary()


def _gate(state: ApiState) -> _Gate:
    loop = asyncio.get_running_loop()
    gate = _GATES.get(loop)
    if gate is None:
        database = state.settings.database
        slots = max(1, min(INGEST_CONCURRENCY, database.pool_size))
        gate = _GATES.setdefault(loop, _Gate(slots, database.pool_timeout))
    return gate


async def _read_limited(declared: str, receive: Receive, limit: int) -> bytes:
    drain_budget = limit * DRAIN_LIMIT_FACTOR
    if declared.isdigit() and int(declared) > limit:
        if int(declared) <= drain_budget:
            async for _chunk in _chunks(receive):
                pass
        raise _too_large(limit)
    received = bytearray()
    size = 0
    async for chunk in _chunks(receive):
        size += len(chunk)
        if size <= limit:
            received += chunk
        elif size > drain_budget:
            break  # stop reading: the connection will be closed after the 413
    if size > limit:
        raise _too_large(limit)
    return bytes(received)


async def _chunks(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        body = message.get("body", b"")
        if body:
            yield body
        if not message.get("more_body", False):
            return


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
    labelled(INGEST_EVENTS, kind, "accepted").inc(max(len(result.dedup_keys), 1))
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
