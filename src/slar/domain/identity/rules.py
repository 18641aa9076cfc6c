"""Who may do what: pure permission rules over a ``Principal``.

Roles: ``admin`` does anything; ``responder`` reads everything and changes the objects of the
teams they belong to; ``observer`` reads only. Team ``manager``s also manage their team's
membership. API keys act as their owner.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from slar.kernel.errors import PermissionDenied


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller of one request."""

    user_id: int
    email: str
    name: str
    role: str
    team_roles: dict[int, str] = field(default_factory=dict)
    api_key_id: int | None = None
    via: str | None = None
    """Set when a tool acts for the person (``"assistant"``: the AI assistant, from the
    ``X-Slar-Via`` header). Only a label for the timeline: rights are the credential's."""

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def team_ids(self) -> frozenset[int]:
        return frozenset(self.team_roles)

    @property
    def display(self) -> str:
        return self.name or self.email


def can_write(principal: Principal) -> bool:
    return principal.role in ("admin", "responder")


def require_writer(principal: Principal) -> None:
    """Refuse observers (read-only role)."""
    if not can_write(principal):
        raise PermissionDenied("observers have read-only access", code="auth.read_only")


def require_admin(principal: Principal) -> None:
    if not principal.is_admin:
        raise PermissionDenied("only an admin can do this", code="auth.admin_required")


def can_change_team_objects(principal: Principal, team_id: int) -> bool:
    if principal.is_admin:
        return True
    return can_write(principal) and team_id in principal.team_roles


def require_team_write(principal: Principal, team_id: int) -> None:
    """Changing a team's services, integrations or incidents needs membership (or admin)."""
    require_writer(principal)
    if not can_change_team_objects(principal, team_id):
        raise PermissionDenied(
            f"you are not a member of team {team_id}", code="auth.not_team_member", team_id=team_id
        )


def require_team_manager(principal: Principal, team_id: int) -> None:
    """Managing a team's membership needs the manager role in it (or admin)."""
    require_writer(principal)
    if principal.is_admin or principal.team_roles.get(team_id) == "manager":
        return
    raise PermissionDenied(
        f"you are not a manager of team {team_id}", code="auth.not_team_manager", team_id=team_id
    )
