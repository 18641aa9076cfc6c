"""The browser session: one encrypted, authenticated cookie.

The cookie holds the user's API tokens, the CSRF token and pending flash messages. It is
encrypted and authenticated with Fernet (AES-128-CBC + HMAC-SHA256), so the browser can neither
read the tokens nor forge a session; it is ``HttpOnly`` (no script reads it), ``SameSite=Lax``
(no cross-site POST carries it) and ``Secure`` unless insecure cookies are switched on.
Nothing is stored server-side, so any number of web replicas share sessions through the key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

COOKIE = "slar_session"
REFRESH_MARGIN_S = 30
"""Refresh the access token this many seconds before it expires."""


def derive_key(secret: str, purpose: str = "slar-web-session") -> bytes:
    """A Fernet key for ``purpose`` from any secret (so one secret can serve several uses)."""
    digest = hashlib.sha256(f"{purpose}\x00{secret}".encode()).digest()
    return base64.urlsafe_b64encode(digest)


@dataclass
class WebSession:
    """What one browser's cookie carries. ``dirty`` marks it for re-sending."""

    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    access_token: str | None = None
    refresh_token: str | None = None
    access_expires_at: float = 0.0
    flashes: list[tuple[str, str]] = field(default_factory=list)
    dirty: bool = False

    @property
    def signed_in(self) -> bool:
        return self.refresh_token is not None

    def access_fresh(self, now: float | None = None) -> bool:
        current = time.time() if now is None else now
        return self.access_token is not None and current < self.access_expires_at

    def sign_in(
        self, access_token: str, refresh_token: str, expires_in: int, *, rotate_csrf: bool = True
    ) -> None:
        """Store new tokens. Signing in also gets a new CSRF token, so a token seen before
        sign-in cannot be replayed; a transparent refresh keeps it (open forms keep working)."""
        self.access_token = access_token
        self.refresh_token = refresh_token
        self.access_expires_at = time.time() + max(0, expires_in - REFRESH_MARGIN_S)
        if rotate_csrf:
            self.csrf = secrets.token_urlsafe(32)
        self.dirty = True

    def sign_out(self) -> None:
        self.access_token = self.refresh_token = None
        self.access_expires_at = 0.0
        self.csrf = secrets.token_urlsafe(32)
        self.dirty = True

    def flash(self, message: str, kind: str = "info") -> None:
        self.flashes.append((kind, message))
        self.dirty = True

    def take_flashes(self) -> list[tuple[str, str]]:
        taken, self.flashes = self.flashes, []
        if taken:
            self.dirty = True
        return taken


class SessionCodec:
    """Turns a ``WebSession`` into a cookie value and back; a bad or old cookie is no session."""

    def __init__(self, key: bytes, ttl_seconds: int) -> None:
        self._fernet = Fernet(key)
        self.ttl_seconds = ttl_seconds

    def encode(self, session: WebSession) -> str:
        data: dict[str, Any] = {
            "c": session.csrf,
            "a": session.access_token,
            "r": session.refresh_token,
            "e": session.access_expires_at,
            "f": session.flashes[-5:],
        }
        return self._fernet.encrypt(json.dumps(data, separators=(",", ":")).encode()).decode()

    def decode(self, value: str | None) -> WebSession | None:
        if not value:
            return None
        try:
            raw = self._fernet.decrypt(value.encode(), ttl=self.ttl_seconds)
            data = json.loads(raw)
            return WebSession(
                csrf=str(data["c"]),
                access_token=data.get("a"),
                refresh_token=data.get("r"),
                access_expires_at=float(data.get("e") or 0.0),
                flashes=[(str(k), str(m)) for k, m in data.get("f", [])],
            )
        except (InvalidToken, ValueError, KeyError, TypeError):
            return None
