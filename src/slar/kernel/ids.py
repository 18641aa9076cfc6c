"""Secret identifiers: integration keys, API keys, refresh tokens.

They are random, URL-safe, and (for credentials) stored only as a SHA-256 digest, so a
database leak does not leak working keys.
"""

from __future__ import annotations

import hashlib
import secrets

INTEGRATION_KEY_BYTES = 24  # 32 URL-safe characters
API_KEY_PREFIX = "slar_"


def new_integration_key() -> str:
    """A fresh unguessable integration key (32 URL-safe characters, 192 bits)."""
    return secrets.token_urlsafe(INTEGRATION_KEY_BYTES)


def new_api_key() -> str:
    """A fresh API key, recognisable by its prefix (secret scanners, logs)."""
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def new_token() -> str:
    """An opaque token (refresh tokens, iCal secrets)."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """SHA-256 hex digest used to store and look up credentials."""
    return hashlib.sha256(secret.encode()).hexdigest()
