"""My profile: contact methods (with a test), notification rules, API keys, calendar feed."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.responses import Response

from slar.client import calls
from slar.client.core import ApiError
from slar.domain.identity.schemas import ApiKeyCreatedOut
from slar.web.forms import FormError
from slar.web.ui import Ui, signed_in

router = APIRouter()
UiDep = Annotated[Ui, Depends(signed_in)]


async def _render(ui: Ui, new_key: ApiKeyCreatedOut | None = None) -> Response:
    methods, rules, keys = await asyncio.gather(
        ui.call(calls.list_contact_methods()),
        ui.call(calls.notification_rules()),
        ui.call(calls.list_api_keys()),
    )
    try:
        feed = (await ui.call(calls.my_calendar_feed())).url
    except ApiError:
        feed = None  # no feed made yet
    return ui.render(
        "pages/profile.html",
        methods=methods,
        rules=rules,
        keys=[k for k in keys if k.revoked_at is None],
        new_key=new_key,
        feed=feed,
    )


@router.get("/profile")
async def profile(ui: UiDep) -> Response:
    return await _render(ui)


@router.post("/profile/contact-methods")
async def add_contact_method(ui: UiDep) -> Response:
    form = await ui.form()
    call = calls.create_contact_method(form.get("kind"), form.get("address"), form.get("label"))
    return await ui.act(call, done="Contact method added.", then="/profile")


@router.post("/profile/contact-methods/{method_id:int}/test")
async def test_contact_method(ui: UiDep, method_id: int) -> Response:
    call = calls.send_test_notification(method_id)
    return await ui.act(
        call, done="Test notification queued: it arrives in a moment.", then="/profile"
    )


@router.post("/profile/rules")
async def set_rules(ui: UiDep) -> Response:
    """One row per contact method and urgency: ``rule-<method>-<urgency>`` = delay or empty."""
    form = await ui.form()
    methods = await ui.call(calls.list_contact_methods())
    try:
        rules = [
            {
                "contact_method_id": m.id,
                "urgency": urgency,
                "delay_minutes": form.number(
                    f"rule-{m.id}-{urgency}", label=f"{m.label or m.address} delay"
                ),
            }
            for m in methods
            for urgency in ("high", "low")
            if form.get(f"rule-{m.id}-{urgency}") != ""
        ]
    except FormError as exc:
        return ui.refused(exc, "/profile")
    return await ui.act(
        calls.set_notification_rules(rules), done="Notification rules saved.", then="/profile"
    )


@router.post("/profile/api-keys")
async def create_api_key(ui: UiDep) -> Response:
    """The new key is shown once, in this response (never stored in the cookie or a redirect)."""
    form = await ui.form()
    try:
        created = await ui.call(calls.create_api_key(form.get("name")))
    except ApiError as exc:
        return ui.refused(exc, "/profile")
    return await _render(ui, new_key=created)


@router.post("/profile/api-keys/{key_id:int}/revoke")
async def revoke_api_key(ui: UiDep, key_id: int) -> Response:
    return await ui.act(calls.revoke_api_key(key_id), done="API key revoked.", then="/profile")


@router.post("/profile/calendar")
async def new_calendar_feed(ui: UiDep) -> Response:
    call = calls.regenerate_my_calendar_feed()
    return await ui.act(
        call, done="New calendar link made; the old one stopped working.", then="/profile"
    )
