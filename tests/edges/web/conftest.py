"""Fixtures of the web UI's edge tests (see ``tests/support/web.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.support.harness import ApiHarness
from tests.support.web import Web


@pytest.fixture
def web(api: ApiHarness) -> Iterator[Web]:
    harness = Web(api=api, _clients=[])
    yield harness
    for client in harness._clients:
        client.__exit__(None, None, None)
