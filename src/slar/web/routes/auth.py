"""Sign in, sign out, and the first-run screen that creates the first admin."""

from __future__ import annotations

import contextlib

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from slar.client import calls
from slar.client.core import ApiError
from slar.web.forms import Form
from slar.web.middleware import web_session
from slar.web.ui import api_message, connector, renderer

router = APIRouter()


def _safe_next(value: str) -> str:
    """Only a path on this site (never ``//evil.example`` or a full URL)."""
    if value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


@router.get("/login")
async def login_page(request: Request, next: str = "/") -> Response:
    status = await connector(request).client(None).call(calls.setup_status())
    if status.needs_setup:
        return RedirectResponse("/setup", status_code=303)
    if web_session(request).signed_in:
        return RedirectResponse(_safe_next(next), status_code=303)
    return renderer(request).page(request, "pages/login.html", next=_safe_next(next), email="")


@router.post("/login")
async def login(request: Request) -> Response:
    form = await Form.read(request)
    session = web_session(request)
    email, next_url = form.get("email"), _safe_next(form.get("next", "/"))
    try:
        pair = await connector(request).client(None).call(calls.login(email, form.get("password")))
    except ApiError as exc:
        session.flash(
            api_message(exc) if exc.status != 422 else "Enter your e-mail and password.", "error"
        )
        return renderer(request).page(
            request, "pages/login.html", status_code=400, next=next_url, email=email
        )
    session.sign_in(pair.access_token, pair.refresh_token, pair.expires_in)
    return RedirectResponse(next_url, status_code=303)


@router.post("/logout")
async def logout(request: Request) -> Response:
    session = web_session(request)
    if session.refresh_token:
        client = connector(request).client(session.access_token)
        # With an expired access token the API refuses; the refresh token then simply lapses.
        with contextlib.suppress(ApiError):
            await client.call(calls.logout(session.refresh_token))
    session.sign_out()
    session.flash("You are signed out.", "success")
    return RedirectResponse("/login", status_code=303)


@router.get("/setup")
async def setup_page(request: Request) -> Response:
    status = await connector(request).client(None).call(calls.setup_status())
    if not status.needs_setup:
        return RedirectResponse("/login", status_code=303)
    return renderer(request).page(request, "pages/setup.html", email="", name="")


@router.post("/setup")
async def setup(request: Request) -> Response:
    form = await Form.read(request)
    session = web_session(request)
    email, name, password = form.get("email"), form.get("name"), form.get("password")
    client = connector(request).client(None)
    if password != form.get("password_again"):
        session.flash("The two passwords differ.", "error")
        return renderer(request).page(
            request, "pages/setup.html", status_code=400, email=email, name=name
        )
    try:
        await client.call(calls.setup_first_admin(email, name, password))
        pair = await client.call(calls.login(email, password))
    except ApiError as exc:
        if exc.code == "setup.done":
            session.flash(exc.message, "error")
            return RedirectResponse("/login", status_code=303)
        session.flash(api_message(exc), "error")
        return renderer(request).page(
            request, "pages/setup.html", status_code=400, email=email, name=name
        )
    session.sign_in(pair.access_token, pair.refresh_token, pair.expires_in)
    session.flash("Welcome to SLAR: you are its first admin.", "success")
    return RedirectResponse("/", status_code=303)
