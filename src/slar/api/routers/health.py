"""Liveness, readiness and Prometheus metrics (no principal needed)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

from slar.api.deps import api_state
from slar.observability.metrics import render_latest

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness: the process is up")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/health/ready", summary="Readiness: the database answers")
def ready(request: Request) -> JSONResponse:
    state = api_state(request)
    try:
        with state.db.read() as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "not ready", never a crash
        return JSONResponse(
            {"status": "unavailable", "database": type(exc).__name__}, status_code=503
        )
    return JSONResponse({"status": "ok", "database": state.db.dialect})


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics() -> Response:
    body, content_type = render_latest()
    return Response(body, media_type=content_type)
