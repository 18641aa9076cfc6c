"""Services and their integrations: create, edit, and copy each integration's sender setup."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.responses import Response

from slar.client import calls
from slar.client.core import ApiError
from slar.web.forms import Form, FormError
from slar.web.ui import Ui, signed_in
from slar.web.views.snippets import snippets

router = APIRouter()
UiDep = Annotated[Ui, Depends(signed_in)]
KINDS = ("alertmanager", "pagerduty", "datadog", "grafana", "generic")


@router.get("/services")
async def service_list(ui: UiDep, q: str | None = None) -> Response:
    services, teams, policies = await asyncio.gather(
        ui.call(calls.list_services(q=q or None)),
        ui.call(calls.list_teams()),
        ui.call(calls.list_escalation_policies()),
    )
    return ui.render(
        "pages/services.html",
        services=services,
        teams=teams,
        team_names={t.id: t.name for t in teams},
        policies=policies,
        q=q or "",
    )


def _service_fields(form: Form) -> dict[str, object]:
    return {
        "description": form.get("description"),
        "urgency": form.get("urgency") or "high",
        "escalation_policy_id": form.optional_int(
            "escalation_policy_id", label="escalation policy"
        ),
        "ack_timeout_minutes": form.optional_int("ack_timeout_minutes", label="ack timeout"),
    }


@router.post("/services")
async def create_service(ui: UiDep) -> Response:
    form = await ui.form()
    try:
        service = await ui.call(
            calls.create_service(
                form.number("team_id", label="team"), form.get("name"), **_service_fields(form)
            )
        )
    except (ApiError, FormError) as exc:
        return ui.refused(exc, "/services")
    ui.flash(f"Service {service.name} created. Add an integration to send it alerts.", "success")
    return ui.redirect(f"/services/{service.id}")


@router.get("/services/{service_id:int}")
async def service_detail(ui: UiDep, service_id: int) -> Response:
    service, integrations, teams, policies = await asyncio.gather(
        ui.call(calls.get_service(service_id)),
        ui.call(calls.list_integrations(service_id)),
        ui.call(calls.list_teams()),
        ui.call(calls.list_escalation_policies()),
    )
    return ui.render(
        "pages/service.html",
        service=service,
        integrations=[(i, snippets(i)) for i in integrations],
        teams=teams,
        policies=policies,
        kinds=KINDS,
    )


@router.post("/services/{service_id:int}")
async def update_service(ui: UiDep, service_id: int) -> Response:
    form = await ui.form()
    here = f"/services/{service_id}"
    try:
        changes = {"name": form.get("name"), **_service_fields(form)}
    except FormError as exc:
        return ui.refused(exc, here)
    return await ui.act(
        calls.update_service(service_id, **changes), done="Service saved.", then=here
    )


@router.post("/services/{service_id:int}/integrations")
async def create_integration(ui: UiDep, service_id: int) -> Response:
    form = await ui.form()
    here = f"/services/{service_id}"
    kind = form.get("kind")
    name = form.get("name") or kind.title()
    return await ui.act(
        calls.create_integration(service_id, name, kind),
        done=f"Integration {name} created: copy its URL below.",
        then=here + "#integrations",
    )


@router.post("/integrations/{integration_id:int}/regenerate-key")
async def regenerate_key(ui: UiDep, integration_id: int) -> Response:
    integration = await ui.call(calls.get_integration(integration_id))
    return await ui.act(
        calls.regenerate_integration_key(integration_id),
        done="New key made: the old URL no longer works. Update the sender.",
        then=f"/services/{integration.service_id}#integrations",
    )
