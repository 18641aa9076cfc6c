"""What every page handler works with: the signed-in user, their API client, and rendering.

``signed_in(request)`` gives a ``Ui``: it refreshes an expired access token transparently
(rotating the refresh token in the cookie), asks the API who the user is, and sends anonymous
visitors to the sign-in page. ``Ui.act`` runs one write call and turns an API refusal into a
flash message, so handlers stay a few lines long and never show a stack trace.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from slar.client import calls
from slar.client.aio import AsyncSlarClient
from slar.client.core import ApiError, Call
from slar.domain.identity.schemas import MeOut
from slar.web.connector import ApiConnector
from slar.web.forms import Form, FormError
from slar.web.middleware import web_session
from slar.web.session import WebSession
from slar.web.templating import Renderer

T = TypeVar("T")
log = logging.getLogger("slar.web")


class NotSignedIn(Exception):
    """Raised by ``signed_in``; answered with a redirect to the sign-in page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


@dataclass(frozen=True)
class Viewer:
    """The signed-in user, as pages need them (what they may see and change)."""

    me: MeOut

    @property
    def can_write(self) -> bool:
        return self.me.role != "observer"

    @property
    def is_admin(self) -> bool:
        return self.me.role == "admin"


def connector(request: Request) -> ApiConnector:
    found: ApiConnector = request.app.state.connector
    return found


def renderer(request: Request) -> Renderer:
    found: Renderer = request.app.state.renderer
    return found


async def fresh_client(request: Request, session: WebSession) -> AsyncSlarClient:
    """The session's client, refreshing the access token first when it has expired."""
    client = connector(request).client(session.access_token)
    if session.refresh_token and not session.access_fresh():
        try:
            pair = await client.call(calls.refresh(session.refresh_token))
        except ApiError as exc:
            session.sign_out()
            if exc.status >= 500:
                raise
            raise NotSignedIn(_here(request)) from exc
        session.sign_in(pair.access_token, pair.refresh_token, pair.expires_in, rotate_csrf=False)
        client.token = pair.access_token
    return client


def _here(request: Request) -> str:
    path = request.url.path
    return path + (f"?{request.url.query}" if request.url.query else "")


class Ui:
    def __init__(self, request: Request, client: AsyncSlarClient, viewer: Viewer) -> None:
        self.request = request
        self.session = web_session(request)
        self.client = client
        self.viewer = viewer
        self._turn = asyncio.Lock() if connector(request).one_at_a_time else None

    async def call(self, call: Call[T]) -> T:
        if self._turn is None:
            return await self.client.call(call)
        async with self._turn:  # see ApiConnector: in-process, one call at a time is faster
            return await self.client.call(call)

    async def form(self) -> Form:
        return await Form.read(self.request)

    def render(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        return renderer(self.request).page(
            self.request, template, status_code=status_code, viewer=self.viewer, **context
        )

    def flash(self, message: str, kind: str = "info") -> None:
        self.session.flash(message, kind)

    def redirect(self, url: str) -> RedirectResponse:
        return RedirectResponse(url, status_code=303)

    async def act(self, call: Call[Any], *, done: str, then: str) -> Response:
        """Run one write, flash ``done`` or the API's refusal, go to ``then`` (PRG)."""
        try:
            await self.client.call(call)
        except ApiError as exc:
            self.flash(api_message(exc), "error")
        else:
            self.flash(done, "success")
        return self.redirect(then)

    def refused(self, exc: ApiError | FormError, then: str) -> Response:
        self.flash(api_message(exc) if isinstance(exc, ApiError) else str(exc), "error")
        return self.redirect(then)


def api_message(exc: ApiError) -> str:
    """The API's own message; field errors name the field (``title: field required``)."""
    errors = exc.details.get("errors") if isinstance(exc.details, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        where = ".".join(str(p) for p in first.get("loc", []) if p != "body")
        text = str(first.get("msg", exc.message))
        return f"{where}: {text}" if where else text
    return exc.message


async def signed_in(request: Request) -> Ui:
    """The page's ``Ui``; anonymous visitors (or expired sessions) go to the sign-in page."""
    session = web_session(request)
    if not session.signed_in:
        raise NotSignedIn(_here(request))
    client = await fresh_client(request, session)
    try:
        me = await client.call(calls.me())
    except ApiError as exc:
        if exc.status != 401:
            raise
        session.sign_out()
        raise NotSignedIn(_here(request)) from exc
    return Ui(request, client, Viewer(me))


def login_redirect(next_url: str) -> RedirectResponse:
    target = "/login"
    if next_url and next_url not in {"/", "/login"} and next_url.startswith("/"):
        target += "?next=" + quote(next_url, safe="/")
    return RedirectResponse(target, status_code=303)
