"""JSON Web Tokens: SLAR's own short-lived access tokens and Supabase-issued tokens.

Pure: keys, claims and instants in, claims or ``Unauthenticated`` out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt

from slar.kernel.errors import Unauthenticated

ISSUER = "slar"
AUDIENCE = "slar"
SUPABASE_AUDIENCE = "authenticated"
ALGORITHM = "HS256"


@dataclass(frozen=True, slots=True)
class SupabaseIdentity:
    subject: str
    email: str
    name: str


def issue_access_token(*, user_id: int, key: str, now: datetime, ttl_seconds: int) -> str:
    claims = {
        "sub": str(user_id),
        "iss": ISSUER,
        "aud": AUDIENCE,
        "typ": "access",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl_seconds)).timestamp()),
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def _decode(
    token: str, key: str, audience: str, now: datetime, issuer: str | None
) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=issuer,
            options={"require": ["exp", "sub"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.InvalidAudienceError as exc:
        raise Unauthenticated("token audience is not accepted", code="auth.invalid_token") from exc
    except jwt.InvalidSignatureError as exc:
        raise Unauthenticated("token signature is invalid", code="auth.invalid_token") from exc
    except jwt.PyJWTError as exc:
        raise Unauthenticated(f"token is invalid: {exc}", code="auth.invalid_token") from exc
    # Expiry is checked against the injected clock, not the wall clock.
    if int(claims["exp"]) <= int(now.timestamp()):
        raise Unauthenticated("token has expired", code="auth.token_expired")
    return claims


def decode_access_token(token: str, *, key: str, now: datetime) -> int:
    """The user id of a valid SLAR access token."""
    claims = _decode(token, key, AUDIENCE, now, ISSUER)
    if claims.get("typ") != "access":
        raise Unauthenticated("not an access token", code="auth.invalid_token")
    try:
        return int(claims["sub"])
    except (TypeError, ValueError) as exc:
        raise Unauthenticated("token subject is invalid", code="auth.invalid_token") from exc


def decode_supabase_token(token: str, *, secret: str, now: datetime) -> SupabaseIdentity:
    """Identity from a Supabase-issued JWT (HS256, audience ``authenticated``)."""
    claims = _decode(token, secret, SUPABASE_AUDIENCE, now, None)
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise Unauthenticated("Supabase token carries no email", code="auth.invalid_token")
    metadata = claims.get("user_metadata")
    name = ""
    if isinstance(metadata, dict):
        raw = metadata.get("full_name") or metadata.get("name")
        name = raw if isinstance(raw, str) else ""
    return SupabaseIdentity(subject=str(claims["sub"]), email=email.lower(), name=name or email)


def peek_issuer(token: str) -> str | None:
    """The unverified ``iss`` claim, to pick the key to verify with."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    issuer = claims.get("iss")
    return issuer if isinstance(issuer, str) else None
