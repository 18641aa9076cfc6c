"""``POST|GET /heartbeats/{key}``: a job, cron line or script says "I ran".

No principal: the monitor's unguessable key in the URL is the credential (like an
integration key); an unknown key is a 404 and stores nothing. GET is accepted too because
many schedulers and health pingers can only send GET (``curl -fsS`` in a cron line).
"""

from __future__ import annotations

from fastapi import APIRouter

from slar.api.deps import PublicTx
from slar.domain.monitors import heartbeats
from slar.domain.monitors.schemas import BeatOut

router = APIRouter(tags=["monitors"])


@router.post(
    "/heartbeats/{key}",
    summary="Record a beat of the heartbeat monitor with this key (no principal: the key)",
)
def beat(key: str, tx: PublicTx) -> BeatOut:
    return heartbeats.beat(tx.session, key=key, now=tx.now)


@router.get(
    "/heartbeats/{key}",
    summary="Record a beat by GET, for schedulers that can only send GET (same as POST)",
)
def beat_by_get(key: str, tx: PublicTx) -> BeatOut:
    return heartbeats.beat(tx.session, key=key, now=tx.now)
