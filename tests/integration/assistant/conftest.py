"""Conversations use the runbook fixtures' world (teams, services, principals)."""

from tests.integration.runbooks.conftest import World, world

__all__ = ["World", "world"]
