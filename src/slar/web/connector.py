"""How the web UI reaches the API: one shared HTTP connection pool, one client per request.

``slar web`` talks to ``API_BASE_URL`` over the network; ``slar serve`` hands in an
``httpx.AsyncClient`` on an ``ASGITransport`` of the API app it mounts, so the same calls run
in-process without a socket. Either way every call carries the signed-in user's token.
"""

from __future__ import annotations

import httpx

from slar.client.aio import AsyncSlarClient


class ApiConnector:
    """``one_at_a_time``: run a page's API calls one after another instead of together.

    In-process, the API's handlers run in threads of the same process: started together they
    only fight over the GIL (and SQLite's single writer), which made the dashboard 2-3 times
    slower than calling one by one (``bench/web_pages.py``). Over the network, together wins.
    """

    def __init__(self, http: httpx.AsyncClient, *, one_at_a_time: bool = False) -> None:
        self.http = http
        self.one_at_a_time = one_at_a_time

    @classmethod
    def over_network(cls, base_url: str, timeout: float) -> ApiConnector:
        return cls(httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout))

    @classmethod
    def in_process(cls, api_app: object, timeout: float) -> ApiConnector:
        transport = httpx.ASGITransport(app=api_app)  # type: ignore[arg-type]
        http = httpx.AsyncClient(transport=transport, base_url="http://api", timeout=timeout)
        return cls(http, one_at_a_time=True)

    def client(self, token: str | None) -> AsyncSlarClient:
        """A client for one request (shares the pool; never closed on its own)."""
        return AsyncSlarClient("", token, http=self.http)

    async def aclose(self) -> None:
        await self.http.aclose()
