"""Catalog use cases: services, integrations, routing rules, maintenance windows.

Every principal reads the catalog; changing it needs write access to the owning team
(``require_team_write``). Functions take the session and keyword arguments, check permission,
change state, flush when ids are needed, and never commit.

Decisions a reader might question:

* Integration keys (and the sender URL that embeds them) are shown only to callers who may
  change the integration: admins and writers of the owning team. Observers and other teams'
  responders see ``null``; a key lets anyone open incidents on the service.
* A service with incident history is never deleted (incidents keep a RESTRICT reference for
  reporting); a service still targeted by another integration's routing rule is not deleted
  either, since the rule would vanish silently and alerts would go elsewhere.
* Ending a maintenance window that has started cuts it short (``ends_at = now``) so history
  shows what was suppressed and why; a future window is deleted; an ended one is left alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from slar.domain.catalog import repository as repo
from slar.domain.catalog.models import Integration, MaintenanceWindow, RoutingRule, Service
from slar.domain.catalog.rules import (
    Condition,
    check_condition,
    condition_from_json,
    condition_to_json,
)
from slar.domain.catalog.schemas import (
    MAX_RULES,
    ConditionOut,
    IntegrationOut,
    MaintenanceWindowOut,
    RoutingRuleIn,
    RoutingRuleOut,
    ServiceOut,
    ServicePatchIn,
)
from slar.domain.escalation.models import EscalationPolicy
from slar.domain.identity.models import Team
from slar.domain.identity.rules import Principal, can_change_team_objects, require_team_write
from slar.kernel.errors import Conflict, InvalidInput, NotFound
from slar.kernel.ids import new_integration_key

# --- services --------------------------------------------------------------------------------


def _service(session: Session, service_id: int) -> Service:
    service = repo.service_by_id(session, service_id)
    if service is None:
        raise NotFound(
            f"service {service_id} not found", code="service.not_found", service_id=service_id
        )
    return service


def _require_team(session: Session, team_id: int) -> None:
    if session.get(Team, team_id) is None:
        raise NotFound(f"team {team_id} not found", code="team.not_found", team_id=team_id)


def _clean(text: str, *, field: str, code: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise InvalidInput(f"{field} must not be blank", code=code, field=field)
    return cleaned


def _require_policy(session: Session, policy_id: int | None) -> None:
    if policy_id is not None and session.get(EscalationPolicy, policy_id) is None:
        raise InvalidInput(
            f"escalation policy {policy_id} does not exist",
            code="service.unknown_escalation_policy",
            field="escalation_policy_id",
        )


def _flush_service(session: Session, service: Service) -> None:
    """Flush, turning a lost race on the unique name into the same 409 as the early check."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise _name_taken(service.name) from None


def _name_taken(name: str) -> Conflict:
    return Conflict(f"a service named {name!r} already exists", code="service.name_taken")


def list_services(
    session: Session, *, principal: Principal, team_id: int | None = None, query: str | None = None
) -> list[ServiceOut]:
    return [
        ServiceOut.model_validate(s)
        for s in repo.list_services(session, team_id=team_id, query=query)
    ]


def get_service(session: Session, *, service_id: int, principal: Principal) -> ServiceOut:
    return ServiceOut.model_validate(_service(session, service_id))


def create_service(
    session: Session,
    *,
    team_id: int,
    name: str,
    description: str = "",
    urgency: str = "high",
    escalation_policy_id: int | None = None,
    ack_timeout_minutes: int | None = None,
    principal: Principal,
    now: datetime,
) -> ServiceOut:
    require_team_write(principal, team_id)
    _require_team(session, team_id)
    name = _clean(name, field="name", code="service.invalid_name")
    if repo.service_by_name(session, name) is not None:
        raise _name_taken(name)
    _require_policy(session, escalation_policy_id)
    service = Service(
        team_id=team_id,
        name=name,
        description=description,
        urgency=urgency,
        escalation_policy_id=escalation_policy_id,
        ack_timeout_minutes=ack_timeout_minutes,
        created_at=now,
    )
    session.add(service)
    _flush_service(session, service)
    return ServiceOut.model_validate(service)


def update_service(
    session: Session, *, service_id: int, patch: ServicePatchIn, principal: Principal
) -> ServiceOut:
    """Change the fields present in ``patch`` (``null`` clears the nullable ones)."""
    service = _service(session, service_id)
    require_team_write(principal, service.team_id)
    given = patch.model_fields_set
    if patch.team_id is not None and patch.team_id != service.team_id:
        require_team_write(principal, patch.team_id)
        _require_team(session, patch.team_id)
        service.team_id = patch.team_id
    if patch.name is not None:
        name = _clean(patch.name, field="name", code="service.invalid_name")
        if name != service.name:
            if repo.service_by_name(session, name) is not None:
                raise _name_taken(name)
            service.name = name
    if patch.description is not None:
        service.description = patch.description
    if patch.urgency is not None:
        service.urgency = patch.urgency
    if "escalation_policy_id" in given:
        _require_policy(session, patch.escalation_policy_id)
        service.escalation_policy_id = patch.escalation_policy_id
    if "ack_timeout_minutes" in given:
        service.ack_timeout_minutes = patch.ack_timeout_minutes
    _flush_service(session, service)
    return ServiceOut.model_validate(service)


def delete_service(session: Session, *, service_id: int, principal: Principal) -> None:
    """Delete a service with its integrations, their rules and its maintenance windows.

    Refused while it has an unresolved incident, when it has any incident history (keep it:
    reports and timelines refer to it), or while another integration routes alerts to it.
    """
    service = _service(session, service_id)
    require_team_write(principal, service.team_id)
    if repo.has_open_incidents(session, service_id):
        raise Conflict(
            f"service {service_id} has unresolved incidents; resolve them first",
            code="service.has_open_incidents",
            service_id=service_id,
        )
    if repo.has_incidents(session, service_id):
        raise Conflict(
            f"service {service_id} has incident history and is kept for reporting; "
            "rename it or remove its integrations instead",
            code="service.has_incidents",
            service_id=service_id,
        )
    foreign = repo.foreign_rules_targeting(session, service_id)
    if foreign:
        integration_ids = sorted({rule.integration_id for rule in foreign})
        raise Conflict(
            f"routing rules of integrations {integration_ids} send alerts to service "
            f"{service_id}; change those rules first",
            code="service.routing_target",
            integration_ids=integration_ids,
        )
    session.delete(service)
    session.flush()


# --- integrations ----------------------------------------------------------------------------


def _integration(session: Session, integration_id: int) -> Integration:
    integration = repo.integration_by_id(session, integration_id)
    if integration is None:
        raise NotFound(
            f"integration {integration_id} not found",
            code="integration.not_found",
            integration_id=integration_id,
        )
    return integration


def integration_out(
    integration: Integration, *, principal: Principal, public_url: str
) -> IntegrationOut:
    """Render an integration; secrets only for those who may change it."""
    show = can_change_team_objects(principal, integration.service.team_id)
    key = integration.key if show else None
    url = routing_key = None
    if key is not None:
        base = public_url.rstrip("/")
        if integration.kind == "pagerduty":
            url, routing_key = f"{base}/api/v2/enqueue", key
        else:
            url = f"{base}/api/integrations/{key}/{integration.kind}"
    return IntegrationOut(
        id=integration.id,
        service_id=integration.service_id,
        name=integration.name,
        kind=integration.kind,
        key=key,
        url=url,
        routing_key=routing_key,
        created_at=integration.created_at,
        key_rotated_at=integration.key_rotated_at,
        last_seen_at=integration.last_seen_at,
        expect_every_seconds=integration.expect_every_seconds,
    )


def _fresh_key(session: Session) -> str:
    while True:  # 192 random bits: a repeat is practically impossible, but cheap to rule out
        key = new_integration_key()
        if not repo.key_in_use(session, key):
            return key


def list_integrations(
    session: Session, *, service_id: int, principal: Principal, public_url: str
) -> list[IntegrationOut]:
    _service(session, service_id)
    return [
        integration_out(i, principal=principal, public_url=public_url)
        for i in repo.integrations_of(session, service_id)
    ]


def create_integration(
    session: Session,
    *,
    service_id: int,
    name: str,
    kind: str,
    principal: Principal,
    public_url: str,
    now: datetime,
    expect_every_seconds: int | None = None,
) -> IntegrationOut:
    service = _service(session, service_id)
    require_team_write(principal, service.team_id)
    integration = Integration(
        service=service,
        name=_clean(name, field="name", code="integration.invalid_name"),
        kind=kind,
        key=_fresh_key(session),
        created_at=now,
        expect_every_seconds=expect_every_seconds,
    )
    session.add(integration)
    session.flush()
    return integration_out(integration, principal=principal, public_url=public_url)


def get_integration(
    session: Session, *, integration_id: int, principal: Principal, public_url: str
) -> IntegrationOut:
    return integration_out(
        _integration(session, integration_id), principal=principal, public_url=public_url
    )


def update_integration(
    session: Session,
    *,
    integration_id: int,
    principal: Principal,
    public_url: str,
    name: str | None = None,
    service_id: int | None = None,
    expect_every_seconds: int | None = None,
    expectation_given: bool = False,
) -> IntegrationOut:
    """Rename, or move to another service; its key and routing rules stay as they are.
    With ``expectation_given``, ``expect_every_seconds`` is set (``None`` switches the
    integration-silence incident off)."""
    integration = _integration(session, integration_id)
    require_team_write(principal, integration.service.team_id)
    if service_id is not None and service_id != integration.service_id:
        target = _service(session, service_id)
        require_team_write(principal, target.team_id)
        integration.service = target
    if name is not None:
        integration.name = _clean(name, field="name", code="integration.invalid_name")
    if expectation_given:
        integration.expect_every_seconds = expect_every_seconds
    session.flush()
    return integration_out(integration, principal=principal, public_url=public_url)


def delete_integration(session: Session, *, integration_id: int, principal: Principal) -> None:
    """Delete an integration; its key stops working at once (incidents keep their history)."""
    integration = _integration(session, integration_id)
    require_team_write(principal, integration.service.team_id)
    session.delete(integration)
    session.flush()


def regenerate_key(
    session: Session,
    *,
    integration_id: int,
    principal: Principal,
    public_url: str,
    now: datetime,
) -> IntegrationOut:
    """Replace the key; the old one is refused from the moment this commits."""
    integration = _integration(session, integration_id)
    require_team_write(principal, integration.service.team_id)
    integration.key = _fresh_key(session)
    integration.key_rotated_at = now
    session.flush()
    return integration_out(integration, principal=principal, public_url=public_url)


# --- routing rules ---------------------------------------------------------------------------


def _rule_out(rule: RoutingRule) -> RoutingRuleOut:
    conditions = [condition_from_json(c) for c in rule.conditions or []]
    return RoutingRuleOut(
        id=rule.id,
        position=rule.position,
        conditions=[ConditionOut(field=c.field, op=c.op, value=c.value) for c in conditions],
        service_id=rule.service_id,
        description=rule.description,
    )


def get_routing_rules(
    session: Session, *, integration_id: int, principal: Principal
) -> list[RoutingRuleOut]:
    integration = _integration(session, integration_id)
    return [_rule_out(r) for r in integration.routing_rules]


def replace_routing_rules(
    session: Session,
    *,
    integration_id: int,
    rules: Sequence[RoutingRuleIn],
    principal: Principal,
) -> list[RoutingRuleOut]:
    """Replace the integration's rules with ``rules``, in list order (first match wins).

    Every condition is validated (field, operator, value, regex compiles) and every target
    service must exist and be writable by the caller: a rule may only send alerts into a team
    whose services the caller may change.
    """
    integration = _integration(session, integration_id)
    require_team_write(principal, integration.service.team_id)
    if len(rules) > MAX_RULES:
        raise InvalidInput(
            f"at most {MAX_RULES} routing rules per integration",
            code="routing.too_many_rules",
            field="rules",
        )
    for i, rule in enumerate(rules):
        for j, raw in enumerate(rule.conditions):
            condition = Condition(field=raw.field, op=raw.op, value=raw.value)
            check_condition(condition, where=f"rules[{i}].conditions[{j}]")
    targets = repo.services_by_ids(session, {rule.service_id for rule in rules})
    for i, rule in enumerate(rules):
        target = targets.get(rule.service_id)
        if target is None:
            raise InvalidInput(
                f"rules[{i}].service_id: service {rule.service_id} not found",
                code="routing.unknown_service",
                field=f"rules[{i}].service_id",
            )
        require_team_write(principal, target.team_id)

    # Delete first and flush: the unit of work would otherwise insert the new rows before
    # deleting the old ones and trip the unique (integration_id, position) constraint.
    integration.routing_rules.clear()
    session.flush()
    for position, rule in enumerate(rules):
        conditions = [
            condition_to_json(Condition(field=c.field, op=c.op, value=c.value))
            for c in rule.conditions
        ]
        integration.routing_rules.append(
            RoutingRule(
                position=position,
                conditions=conditions,
                service_id=rule.service_id,
                description=rule.description,
            )
        )
    session.flush()
    return [_rule_out(r) for r in integration.routing_rules]


# --- maintenance windows ---------------------------------------------------------------------


def list_maintenance_windows(
    session: Session, *, service_id: int, principal: Principal, active_at: datetime | None = None
) -> list[MaintenanceWindowOut]:
    _service(session, service_id)
    if active_at is not None:
        active_at = active_at.astimezone(UTC)
    return [
        MaintenanceWindowOut.model_validate(w)
        for w in repo.maintenance_windows_of(session, service_id, active_at=active_at)
    ]


def create_maintenance_window(
    session: Session,
    *,
    service_id: int,
    starts_at: datetime,
    ends_at: datetime,
    description: str = "",
    principal: Principal,
    now: datetime,
) -> MaintenanceWindowOut:
    """Open a window; alerts of the service during it are stored but page nobody."""
    service = _service(session, service_id)
    require_team_write(principal, service.team_id)
    starts_at, ends_at = starts_at.astimezone(UTC), ends_at.astimezone(UTC)
    if ends_at <= starts_at:
        raise InvalidInput(
            "ends_at must be after starts_at", code="maintenance.invalid_window", field="ends_at"
        )
    if ends_at <= now:
        raise InvalidInput(
            "ends_at is in the past; a window must end in the future",
            code="maintenance.in_past",
            field="ends_at",
        )
    window = MaintenanceWindow(
        service_id=service.id,
        starts_at=starts_at,
        ends_at=ends_at,
        description=description,
        created_by_id=principal.user_id,
        created_at=now,
    )
    session.add(window)
    session.flush()
    return MaintenanceWindowOut.model_validate(window)


def end_maintenance_window(
    session: Session, *, window_id: int, principal: Principal, now: datetime
) -> None:
    """End a window now: a running one is cut short, a future one deleted, a past one kept."""
    window = repo.maintenance_window_by_id(session, window_id)
    if window is None:
        raise NotFound(
            f"maintenance window {window_id} not found",
            code="maintenance.not_found",
            window_id=window_id,
        )
    service = _service(session, window.service_id)
    require_team_write(principal, service.team_id)
    if window.ends_at <= now:
        return  # already over: history stays as it was
    if window.starts_at < now:
        window.ends_at = now
    else:  # not started yet (or starting this very instant): nothing happened under it
        session.delete(window)
    session.flush()
