"""The asynchronous client (same calls as the synchronous one)."""

from __future__ import annotations

from types import TracebackType
from typing import TypeVar

import httpx

from slar.client import calls
from slar.client.core import Call, decode

T = TypeVar("T")


class AsyncSlarClient:
    """Runs ``slar.client.calls`` descriptions over HTTP: ``await client.call(calls.me())``."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float = 10.0,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._http = http or httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout)
        self.token = token
        self.refresh_token: str | None = None

    async def call(self, call: Call[T]) -> T:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = await self._http.request(
            call.method, call.path, json=call.json, params=call.query(), headers=headers
        )
        return decode(call, response)

    async def login(self, email: str, password: str) -> None:
        pair = await self.call(calls.login(email, password))
        self.token, self.refresh_token = pair.access_token, pair.refresh_token

    async def refresh(self) -> None:
        if self.refresh_token is None:
            raise RuntimeError("no refresh token: call login() first")
        pair = await self.call(calls.refresh(self.refresh_token))
        self.token, self.refresh_token = pair.access_token, pair.refresh_token

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncSlarClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
