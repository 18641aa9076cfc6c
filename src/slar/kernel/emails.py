"""E-mail address syntax, shared by accounts and contact methods.

Syntax only: no DNS lookups, and private or special-use domains (``.local``, ``.internal``,
``.lan``) are accepted, because self-hosted deployments live on them (``admin@slar.local`` is the
first admin's address). Stricter libraries refuse exactly those.
"""

from __future__ import annotations

import re

_LOCAL = re.compile(r"[^\s@\"(),:;<>\[\\\]]{1,64}")
_LABEL = re.compile(r"(?!-)[^\W_](?:[\w-]{0,61}[^\W_])?", re.UNICODE)


def normalise_email(raw: str) -> str:
    """``local@domain`` with the domain lower-cased, or ``ValueError`` saying what is wrong."""
    address = raw.strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise ValueError("not a valid e-mail address: it needs one '@' between a name and a domain")
    if not _LOCAL.fullmatch(local) or local.startswith(".") or local.endswith(".") or ".." in local:
        raise ValueError("not a valid e-mail address: the part before the '@' is not allowed")
    labels = domain.lower().split(".")
    if len(domain) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise ValueError(f"not a valid e-mail address: {domain!r} is not a domain name")
    return f"{local}@{'.'.join(labels)}"
