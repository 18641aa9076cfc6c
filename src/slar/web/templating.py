"""Jinja2 rendering of pages, with the context every page shares.

Autoescaping is on for every template, so text from the API (titles, notes, labels) can never
become markup. The shared context holds the CSRF token for forms and the flash messages; it
holds no API token or other secret.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from slar.web.middleware import web_session
from slar.web.views import formats

TEMPLATES = Path(__file__).parent / "templates"


class Renderer:
    def __init__(self, now: Callable[[], datetime], features: Mapping[str, bool]) -> None:
        self.now = now
        self.features = dict(features)
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )
        self.env.filters["ago"] = lambda value: formats.ago(value, self.now())
        self.env.filters["when"] = formats.when
        self.env.filters["duration"] = formats.duration
        self.env.filters["safe_url"] = formats.safe_url
        self.env.globals["features"] = self.features

    def html(self, template: str, **context: Any) -> str:
        return self.env.get_template(template).render(**context)

    def page(
        self, request: Request, template: str, *, status_code: int = 200, **context: Any
    ) -> HTMLResponse:
        session = web_session(request)
        shared = {
            "csrf_token": session.csrf,
            "flashes": session.take_flashes(),
            "path": request.url.path,
            "viewer": None,
        }
        return HTMLResponse(self.html(template, **(shared | context)), status_code=status_code)
