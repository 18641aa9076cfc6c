"""Fixtures of the ingestion HTTP tests: catalog rows made through the models."""

from __future__ import annotations

import pytest
from tests.integration.alerts.factory import Catalog
from tests.support.harness import ApiHarness


@pytest.fixture
def catalog(api: ApiHarness) -> Catalog:
    return Catalog(api.db, api.clock.now())
