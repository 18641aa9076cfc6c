"""Mapping of domain errors and failures to HTTP responses (done once, here)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from slar.db import is_unavailable
from slar.kernel.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    SlarError,
    TooLarge,
    Unauthenticated,
    Unavailable,
)

log = logging.getLogger("slar.api")

STATUS_BY_ERROR: list[tuple[type[SlarError], int]] = [
    (NotFound, 404),
    (Conflict, 409),
    (InvalidInput, 400),
    (Unauthenticated, 401),
    (PermissionDenied, 403),
    (Unavailable, 503),
    (TooLarge, 413),
]

RETRY_AFTER_SECONDS = "5"


def error_body(code: str, message: str, **details: object) -> dict[str, object]:
    body: dict[str, object] = {"error": {"code": code, "message": message}}
    if details:
        # Details may carry datetimes and other values JSON has no type for.
        body["error"] = {"code": code, "message": message, "details": jsonable_encoder(details)}
    return body


def unavailable_response() -> JSONResponse:
    return JSONResponse(
        error_body("unavailable", "the database is unavailable; retry later"),
        status_code=503,
        headers={"Retry-After": RETRY_AFTER_SECONDS},
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SlarError)
    async def _slar_error(_request: Request, exc: SlarError) -> JSONResponse:
        status = next((s for cls, s in STATUS_BY_ERROR if isinstance(exc, cls)), 400)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if status == 503:
            headers = {"Retry-After": RETRY_AFTER_SECONDS}
        return JSONResponse(
            error_body(exc.code, exc.message, **exc.details), status_code=status, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            problems.append({"field": loc, "message": err.get("msg", "invalid")})
        message = "; ".join(f"{p['field']}: {p['message']}" for p in problems) or "invalid request"
        return JSONResponse(
            error_body("request.invalid", message, problems=problems), status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "route.not_found", 405: "route.method_not_allowed"}.get(
            exc.status_code, "http.error"
        )
        return JSONResponse(
            error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, exc: IntegrityError) -> JSONResponse:
        # Services turn the conflicts they expect into ``Conflict``; this is the safety net.
        log.info("integrity error: %s", exc.orig)
        return JSONResponse(
            error_body("conflict", "the change conflicts with existing data"), status_code=409
        )

    @app.exception_handler(DataError)
    @app.exception_handler(OverflowError)
    async def _data(_request: Request, exc: Exception) -> JSONResponse:
        # A value the database cannot hold (an id beyond its integer range, text too long for
        # a column): the request is wrong, not the server. PostgreSQL raises DataError, the
        # SQLite driver OverflowError; this is the one place that keeps both answering 4xx.
        log.info("value out of range: %s", exc)
        return JSONResponse(
            error_body("request.out_of_range", "a value in the request is out of range"),
            status_code=422,
        )

    @app.exception_handler(SQLAlchemyError)
    async def _database(_request: Request, exc: SQLAlchemyError) -> JSONResponse:
        if is_unavailable(exc):
            log.warning("database unavailable: %s", exc.__class__.__name__)
            return unavailable_response()
        log.exception("database error", exc_info=exc)
        return JSONResponse(error_body("internal", "internal error"), status_code=500)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse(error_body("internal", "internal error"), status_code=500)
