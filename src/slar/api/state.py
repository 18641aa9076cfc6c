"""What the API needs at run time, built by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from slar.db import Database
from slar.domain.identity.auth import AuthConfig
from slar.kernel.clock import Clock
from slar.settings import Settings


@dataclass
class ApiState:
    settings: Settings
    db: Database
    clock: Clock
    auth: AuthConfig
