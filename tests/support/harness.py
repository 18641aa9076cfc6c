"""``ApiHarness``: a live API on one backend plus shortcuts to make users and clients."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import httpx

from slar.api.state import ApiState
from slar.db import Database
from slar.domain.identity import tokens
from slar.domain.identity.models import Team, TeamMembership
from slar.domain.identity.service import create_user_unchecked
from slar.kernel.clock import FakeClock


@dataclass
class Account:
    id: int
    email: str
    password: str
    token: str


@dataclass
class ApiHarness:
    url: str
    db: Database
    clock: FakeClock
    state: ApiState
    backend: str
    _clients: list[httpx.Client] = field(default_factory=list)

    def http(self, token: str | None = None, **kwargs: object) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        client = httpx.Client(base_url=self.url, headers=headers, timeout=30, **kwargs)  # type: ignore[arg-type]
        self._clients.append(client)
        return client

    def token_for(self, user_id: int, *, ttl: int = 900) -> str:
        return tokens.issue_access_token(
            user_id=user_id, key=self.state.auth.signing_key, now=self.clock.now(), ttl_seconds=ttl
        )

    def make_user(
        self,
        email: str,
        *,
        role: str = "responder",
        teams: dict[int, str] | None = None,
        password: str = "correct horse battery",
    ) -> Account:
        with self.db.transaction() as session:
            user = create_user_unchecked(
                session,
                email=email,
                name=email.split("@")[0].title(),
                password=password,
                role=role,
                now=self.clock.now(),
            )
            for team_id, team_role in (teams or {}).items():
                session.add(TeamMembership(team_id=team_id, user_id=user.id, role=team_role))
            user_id = user.id
        return Account(id=user_id, email=email, password=password, token=self.token_for(user_id))

    def make_team(self, name: str) -> int:
        with self.db.transaction() as session:
            team = Team(name=name, description="", created_at=self.clock.now())
            session.add(team)
            session.flush()
            return team.id

    def advance(self, **kwargs: float) -> None:
        self.clock.advance(timedelta(**kwargs))

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()
