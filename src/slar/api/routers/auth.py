"""Login, token refresh, logout, and "who am I"."""

from __future__ import annotations

from fastapi import APIRouter, status

from slar.api.deps import AuthCtx, PublicTx
from slar.domain.identity import auth, repository
from slar.domain.identity import service as identity_service
from slar.domain.identity.schemas import (
    LoginIn,
    MembershipOut,
    MeOut,
    RefreshIn,
    SetupIn,
    SetupStatusOut,
    TokenOut,
    UserOut,
)
from slar.kernel.errors import Conflict, NotFound

router = APIRouter(prefix="/auth", tags=["auth"])


def _tokens(pair: auth.TokenPair) -> TokenOut:
    return TokenOut(
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        token_type=pair.token_type,
        expires_in=pair.expires_in,
    )


@router.post("/login", summary="Exchange email and password for tokens")
def login(body: LoginIn, tx: PublicTx) -> TokenOut:
    return _tokens(
        auth.login(
            tx.session, email=body.email, password=body.password, config=tx.state.auth, now=tx.now
        )
    )


@router.post("/refresh", summary="Exchange a refresh token for new tokens (rotation)")
def refresh(body: RefreshIn, tx: PublicTx) -> TokenOut:
    return _tokens(
        auth.refresh(tx.session, refresh_token=body.refresh_token, config=tx.state.auth, now=tx.now)
    )


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, summary="Revoke a refresh token")
def logout(body: RefreshIn, ctx: AuthCtx) -> None:
    auth.logout(ctx.session, refresh_token=body.refresh_token, now=ctx.now)


@router.get("/me", summary="The authenticated caller")
def me(ctx: AuthCtx) -> MeOut:
    user = repository.user_by_id(ctx.session, ctx.principal.user_id)
    if user is None:
        raise NotFound("user not found", code="user.not_found")
    base = UserOut.model_validate(user).model_dump()
    return MeOut(
        **base,
        teams=[MembershipOut(team_id=t, role=r) for t, r in ctx.principal.team_roles.items()],
        via_api_key=ctx.principal.api_key_id is not None,
    )


@router.get("/setup", summary="Whether the first admin still has to be created (public)")
def setup_status(tx: PublicTx) -> SetupStatusOut:
    return SetupStatusOut(needs_setup=repository.count_users(tx.session) == 0)


@router.post(
    "/setup",
    status_code=status.HTTP_201_CREATED,
    summary="Create the first admin; only while no user exists (public, 409 afterwards)",
)
def setup(body: SetupIn, tx: PublicTx) -> SetupStatusOut:
    created = identity_service.create_first_admin(
        tx.session, email=body.email, name=body.name, password=body.password, now=tx.now
    )
    if not created:
        raise Conflict("SLAR is already set up: sign in instead", code="setup.done")
    return SetupStatusOut(needs_setup=False)
