"""The ``world`` fixture: a scenario world on the ``db`` and ``clock`` of the test (both
backends), closed after the test. Scenarios that need the periodic ticks build their own
``World(db, clock, ticks=True)``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.scenarios.harness import World

from slar.db import Database
from slar.kernel.clock import FakeClock


@pytest.fixture
def world(db: Database, clock: FakeClock) -> Iterator[World]:
    with World(db, clock) as w:
        yield w
