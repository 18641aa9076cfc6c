"""Typed HTTP client of SLAR's REST API (sync and async): the public SDK.

The web UI, the Slack worker, the AI assistant's tools and the CLI talk to the API through this
client, with the caller's own token, so none of them can do more than the user could.

    from slar.client import SlarClient, calls
    with SlarClient("http://localhost:8000/api") as slar:
        slar.login("admin@slar.local", "...")
        for incident in slar.call(calls.list_incidents(status=["triggered"])).items:
            slar.call(calls.incident_action(incident.id, "acknowledge"))

Every endpoint is described once in ``slar.client.calls``; both clients run those descriptions
(``await client.call(...)`` for ``AsyncSlarClient``) and raise ``ApiError`` with the API's
stable error code when it refuses.
"""

from slar.client import calls
from slar.client.aio import AsyncSlarClient
from slar.client.core import ApiError
from slar.client.sync import SlarClient

__all__ = ["ApiError", "AsyncSlarClient", "SlarClient", "calls"]
