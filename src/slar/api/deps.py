"""Request dependencies: the unit of work and the authenticated principal.

``Ctx`` opens the request's only transaction, authenticates inside it, and commits when the
handler returns *before* the response is sent (``scope="function"``), so a 2xx always means
committed. Any exception rolls everything back.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Annotated, Literal

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from slar.api.state import ApiState
from slar.domain.identity.auth import authenticate
from slar.domain.identity.rules import Principal
from slar.kernel.errors import Unauthenticated

bearer = HTTPBearer(auto_error=False, description="Access token (JWT) or API key")


def api_state(request: Request) -> ApiState:
    state: ApiState = request.app.state.slar
    return state


@dataclass
class Ctx:
    """The authenticated request: its session (one transaction), caller and instant."""

    session: Session
    principal: Principal
    now: datetime
    state: ApiState


@dataclass
class Tx:
    """An unauthenticated unit of work (ingestion, login)."""

    session: Session
    now: datetime
    state: ApiState


def _tx(request: Request) -> Iterator[Tx]:
    state = api_state(request)
    with state.db.transaction() as session:
        yield Tx(session=session, now=state.clock.now(), state=state)


Via = Literal["assistant"]

VIA_DESCRIPTION = (
    "Set by a tool acting for the signed-in user: 'assistant' (the AI assistant). Incident "
    "timeline entries then record data.via and the actor '<name> (via assistant)'. Only a "
    "label: rights are the credential's. Any other value is refused (422)."
)


def _ctx(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    x_slar_via: Annotated[Via | None, Header(description=VIA_DESCRIPTION)] = None,
) -> Iterator[Ctx]:
    if credentials is None or not credentials.credentials:
        raise Unauthenticated("send an access token or API key as 'Authorization: Bearer ...'")
    state = api_state(request)
    with state.db.transaction() as session:
        now = state.clock.now()
        principal = authenticate(
            session, credential=credentials.credentials, config=state.auth, now=now
        )
        if x_slar_via is not None:
            principal = replace(principal, via=x_slar_via)
        yield Ctx(session=session, principal=principal, now=now, state=state)


AuthCtx = Annotated[Ctx, Depends(_ctx, scope="function")]
PublicTx = Annotated[Tx, Depends(_tx, scope="function")]
