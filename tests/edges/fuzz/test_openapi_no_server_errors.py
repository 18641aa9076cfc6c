"""Schemathesis against the OpenAPI document: no generated request gets a 5xx.

Requests are generated from the API's own schema, authenticated as an admin (so they reach the
handlers rather than stopping at 401), and sent over real HTTP to the live server.
"""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support.harness import ApiHarness

from slar.api.app import create_api_app

EXAMPLES_PER_OPERATION = int(os.environ.get("SLAR_FUZZ_EXAMPLES", "15"))


def test_no_generated_request_gets_a_server_error(api: ApiHarness) -> None:
    admin = api.make_user("fuzz-admin@example.com", role="admin")
    team = api.make_team("fuzz")
    api.http(admin.token).post("/services", json={"team_id": team, "name": "fuzzed"})
    schema = schemathesis.openapi.from_dict(create_api_app(api.state).openapi())
    client = api.http(admin.token)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20

    def run(operation: schemathesis.APIOperation) -> None:
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(data=st.data())
        def exercise(data: st.DataObject) -> None:
            case = data.draw(operation.as_strategy())
            kwargs = case.as_transport_kwargs(base_url=api.url)
            headers = dict(kwargs.get("headers") or {})
            headers["Authorization"] = f"Bearer {admin.token}"
            response = client.request(
                kwargs["method"],
                kwargs["url"],
                params=kwargs.get("params"),
                json=kwargs.get("json"),
                content=kwargs.get("data")
                if isinstance(kwargs.get("data"), (bytes, str))
                else None,
                headers={k: str(v) for k, v in headers.items()},
            )
            if response.status_code >= 500:
                failures.append(
                    f"{operation.label}: {response.status_code} for "
                    f"{kwargs['method']} {kwargs['url']} params={kwargs.get('params')} "
                    f"json={str(kwargs.get('json'))[:200]} -> {response.text[:200]}"
                )

        exercise()

    for operation in operations:
        run(operation)
    assert not failures, "\n".join(failures[:20])
