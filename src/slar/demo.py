"""``slar demo``: a small, realistic data set for a first look.

Everything goes through the real use cases — teams and services through the catalog, alerts
through the ingestion path with real sender payloads — so the demo shows what production does.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from slar.db import Database
from slar.domain.alerts.service import receive
from slar.domain.catalog import service as catalog
from slar.domain.escalation import service as escalation
from slar.domain.escalation.schemas import LevelIn, PolicyIn, TargetIn
from slar.domain.identity import repository as identity_repo
from slar.domain.identity import service as identity
from slar.domain.identity.rules import Principal
from slar.domain.incidents import service as incidents
from slar.domain.schedules import service as schedules
from slar.domain.schedules.schemas import LayerIn, RotationIn
from slar.kernel.clock import Clock
from slar.kernel.errors import Conflict

PEOPLE = [
    ("alice@demo.slar.local", "Alice Moreau", "responder", "Payments", "manager"),
    ("bob@demo.slar.local", "Bob Okafor", "responder", "Platform", "manager"),
    ("dana@demo.slar.local", "Dana Kim", "responder", "Platform", "member"),
    ("carol@demo.slar.local", "Carol Singh", "observer", None, None),
]
SERVICES = [
    ("Payments", "checkout-api", "Public checkout API", "high", "pagerduty", "Alertmanager PD"),
    ("Payments", "payments-worker", "Card settlement jobs", "dynamic", "datadog", "Datadog"),
    (
        "Platform",
        "k8s-prod",
        "Production Kubernetes cluster",
        "dynamic",
        "alertmanager",
        "Prometheus",
    ),
    ("Platform", "edge-proxy", "TLS termination and routing", "high", "generic", "Cert checker"),
]


def _alertmanager_group() -> dict[str, Any]:
    group_key = '{}:{alertname="KubePodCrashLooping", namespace="shop"}'
    alert = {
        "status": "firing",
        "annotations": {
            "summary": "Pod is crash looping",
            "runbook_url": "https://runbooks.example/crashloop",
        },
        "startsAt": "2026-11-26T08:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example/graph?g0.expr=kube_pod_restarts",
    }
    return {
        "version": "4",
        "groupKey": group_key,
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "slar",
        "groupLabels": {"alertname": "KubePodCrashLooping", "namespace": "shop"},
        "commonLabels": {
            "alertname": "KubePodCrashLooping",
            "namespace": "shop",
            "severity": "critical",
        },
        "commonAnnotations": {"summary": "Pod is crash looping"},
        "externalURL": "http://alertmanager.example",
        "alerts": [
            {
                **alert,
                "labels": {
                    "alertname": "KubePodCrashLooping",
                    "namespace": "shop",
                    "pod": pod,
                    "severity": "critical",
                },
                "fingerprint": fp,
            }
            for pod, fp in (("cart-7d9f", "a1b2c3d4e5f60718"), ("cart-x42k", "b2c3d4e5f6071829"))
        ],
    }


def _on_call(
    session: Session,
    teams: dict[str, int],
    people: dict[str, Principal],
    admin: Principal,
    now: datetime,
) -> dict[str, int]:
    """A schedule and an escalation policy per team: the schedule first, then the whole team."""
    members = {
        "Payments": [people["alice@demo.slar.local"].user_id],
        "Platform": [people["bob@demo.slar.local"].user_id, people["dana@demo.slar.local"].user_id],
    }
    monday = (now - timedelta(days=now.weekday() + 7)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    policies: dict[str, int] = {}
    for team, users in members.items():
        rotation = RotationIn(type="weekly", handoff_time="09:00", handoff_weekday="monday")
        schedule = schedules.create_schedule(
            session,
            team_id=teams[team],
            name=f"{team} primary",
            description=f"Who answers for {team}",
            time_zone="Europe/London",
            layers=[LayerIn(name="Weekly", users=users, rotation=rotation, start=monday)],
            principal=admin,
            now=now,
            public_url="",
        )
        policy = escalation.create_policy(
            session,
            body=PolicyIn(
                team_id=teams[team],
                name=f"{team} escalation",
                repeat_count=1,
                levels=[
                    LevelIn(delay_minutes=15, targets=[TargetIn(kind="schedule", id=schedule.id)]),
                    LevelIn(delay_minutes=15, targets=[TargetIn(kind="team", id=teams[team])]),
                ],
            ),
            principal=admin,
            now=now,
        )
        policies[team] = policy.id
    return policies


def load_demo(db: Database, clock: Clock) -> str:
    """Create the demo data; refuses to run twice. Returns what to tell the operator."""
    lines: list[str] = []
    with db.transaction() as session:
        admins = identity_repo.active_admins(session)
        if not admins:
            raise Conflict(
                "no admin exists yet: run `slar serve` once (or `slar createuser --role admin`)"
            )
        admin = identity_repo.principal_for(admins[0])
        now = clock.now()
        if any(t.name == "Payments" for t in identity.list_teams(session, principal=admin)):
            raise Conflict("the demo data is already loaded", code="demo.loaded")

        teams = {
            name: identity.create_team(
                session, name=name, description=desc, principal=admin, now=now
            ).id
            for name, desc in (
                ("Payments", "Checkout and settlement"),
                ("Platform", "Clusters and edge"),
            )
        }
        people: dict[str, Principal] = {}
        for email, name, role, team, team_role in PEOPLE:
            password = secrets.token_urlsafe(9)
            user = identity.create_user_unchecked(
                session, email=email, name=name, password=password, role=role, now=now
            )
            if team:
                identity.set_membership(
                    session,
                    team_id=teams[team],
                    user_id=user.id,
                    role=team_role or "member",
                    principal=admin,
                )
            session.flush()
            session.refresh(user)
            people[email] = identity_repo.principal_for(user)
            lines.append(f"  {role:<9} {email:<24} password: {password}")

        policies = _on_call(session, teams, people, admin, now)

        keys: dict[str, tuple[str, str]] = {}
        for team, name, desc, urgency, kind, integration_name in SERVICES:
            svc = catalog.create_service(
                session,
                team_id=teams[team],
                name=name,
                description=desc,
                urgency=urgency,
                escalation_policy_id=policies[team],
                principal=admin,
                now=now,
            )
            integration = catalog.create_integration(
                session,
                service_id=svc.id,
                name=integration_name,
                kind=kind,
                principal=admin,
                public_url="",
                now=now,
            )
            assert integration.key is not None
            keys[name] = (integration.key, kind)

        key, _ = keys["k8s-prod"]
        receive(
            session,
            key=key,
            kind="alertmanager",
            body=_alertmanager_group(),
            now=now - timedelta(minutes=42),
        )
        key, _ = keys["checkout-api"]
        pd = {
            "routing_key": key,
            "event_action": "trigger",
            "dedup_key": "5e1f0c2b9a7d4e3f8a6b1c0d2e4f6a8b",
            "payload": {
                "summary": "[FIRING:1] CheckoutErrorRate (checkout-api prod)",
                "source": "Alertmanager",
                "severity": "error",
                "custom_details": {"firing": "error rate 7.2% > 5%"},
            },
        }
        checkout = receive(
            session, key=key, kind="pagerduty", body=pd, now=now - timedelta(minutes=18)
        )
        key, _ = keys["payments-worker"]
        dd = {
            "alert_cycle_key": "7312458123",
            "alert_transition": "Triggered",
            "alert_id": "98113",
            "title": "[Warn] Settlement queue depth above 5,000",
            "body": "queue depth 5,412 on settle-queue",
            "priority": "P3",
            "tags": "env:prod,service:payments-worker",
            "link": "https://app.datadoghq.com/monitors/98113",
        }
        receive(session, key=key, kind="datadog", body=dd, now=now - timedelta(minutes=9))
        key, _ = keys["edge-proxy"]
        generic = {
            "title": "TLS certificate for shop.example expires in 6 days",
            "severity": "warning",
            "labels": {"host": "shop.example"},
            "dedup_key": "cert-shop.example",
        }
        cert = receive(session, key=key, kind="generic", body=generic, now=now - timedelta(hours=3))

        alice = people["alice@demo.slar.local"]
        bob = people["bob@demo.slar.local"]
        checkout_id = checkout.incidents[0]
        incidents.acknowledge(
            session, incident_id=checkout_id, actor=alice, now=now - timedelta(minutes=15)
        )
        incidents.add_note(
            session,
            incident_id=checkout_id,
            text="Error rate follows deploy 2026.11.26-3; rolling back.",
            actor=alice,
            now=now - timedelta(minutes=12),
        )
        cert_id = cert.incidents[0]
        incidents.acknowledge(
            session, incident_id=cert_id, actor=bob, now=now - timedelta(hours=2, minutes=50)
        )
        incidents.resolve(
            session,
            incident_id=cert_id,
            actor=bob,
            note="Renewed via cert-manager.",
            now=now - timedelta(hours=2),
        )

    return "\n".join(
        [
            "Demo loaded: teams Payments and Platform, weekly schedules, escalation policies,"
            " 4 services, 4 integrations, 4 incidents.",
            "Demo users (shown once):",
            *lines,
        ]
    )
