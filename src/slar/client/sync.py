"""The synchronous client."""

from __future__ import annotations

from types import TracebackType
from typing import TypeVar

import httpx

from slar.client import calls
from slar.client.core import Call, decode

T = TypeVar("T")


class SlarClient:
    """Runs ``slar.client.calls`` descriptions over HTTP: ``client.call(calls.me())``.

    ``base_url`` is the API root (``http://host:8000/api`` behind the gateway, or
    ``http://host:8080`` for ``slar api``). ``token`` is an access token or API key.
    """

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float = 10.0,
        http: httpx.Client | None = None,
    ) -> None:
        self._http = http or httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout)
        self.token = token
        self.refresh_token: str | None = None

    def call(self, call: Call[T]) -> T:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = self._http.request(
            call.method, call.path, json=call.json, params=call.query(), headers=headers
        )
        return decode(call, response)

    def login(self, email: str, password: str) -> None:
        """Sign in; later calls carry the access token."""
        pair = self.call(calls.login(email, password))
        self.token, self.refresh_token = pair.access_token, pair.refresh_token

    def refresh(self) -> None:
        if self.refresh_token is None:
            raise RuntimeError("no refresh token: call login() first")
        pair = self.call(calls.refresh(self.refresh_token))
        self.token, self.refresh_token = pair.access_token, pair.refresh_token

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SlarClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
