"""Response bodies of the ingestion endpoints (shared with the typed client and the docs).

Kept apart from the alert views' ``schemas.py``: these shapes are wire contracts with
monitoring tools. The PagerDuty ones are PagerDuty's own (its client raises on a 202 without
``dedup_key``); the others are SLAR's and documented in ``docs/integrations.md``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class PagerDutyAccepted(BaseModel):
    """``202`` from ``POST /v2/enqueue``, for trigger, acknowledge and resolve alike."""

    status: Literal["success"] = "success"
    message: str = "Event processed"
    dedup_key: str


class PagerDutyRejected(BaseModel):
    """``400``/``404``/``413``/``503`` from ``POST /v2/enqueue``, in PagerDuty's shape."""

    status: str = Field(examples=["invalid event"])
    message: str = Field(examples=["Event object is invalid"])
    errors: list[str] = Field(default_factory=list)


class IngestAccepted(BaseModel):
    """``202`` from ``POST /integrations/{key}/{format}``: stored and committed.

    ``alerts``: alert rows written (new, repeated, re-sent or resolved); ``suppressed``: those
    stored under a maintenance window; ``incidents``: every incident the request touched;
    ``opened`` / ``resolved``: the ones it opened / resolved.
    """

    status: Literal["accepted"] = "accepted"
    alerts: int
    suppressed: int
    incidents: list[int]
    opened: list[int]
    resolved: list[int]
