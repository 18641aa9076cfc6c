"""Field readers shared by the inbound parsers: typed access with error collection.

Every parser reads a decoded JSON value it does not trust. These helpers read one field each,
record a message naming the field's path when the type is wrong, and never raise anything but
``PayloadInvalid`` (through ``Errors.raise_if_any``). None of them recurse into values: the
two walks that look inside arbitrary JSON (``check_depth`` and ``compact_json``) keep their own
explicit stack, so a 10,000-deep list cannot exhaust Python's call stack.

Length limits (characters), applied the same way by every parser:

- keys (dedup keys, fingerprints): at most ``MAX_KEY`` (255); a longer key sent by a grouped
  format is replaced by ``"sha256:" + hexdigest`` so it stays unique and stable;
- summaries and titles: ``MAX_SUMMARY`` (1024);
- label keys ``MAX_LABEL_KEY`` (255), label values ``MAX_LABEL_VALUE`` (1024);
- sources ``MAX_SOURCE`` (1024), descriptions ``MAX_DESCRIPTION`` (65,536);
- link hrefs ``MAX_HREF`` (2048, longer links are dropped), link texts ``MAX_LINK_TEXT`` (255);
- nesting: a body nested deeper than ``MAX_DEPTH`` (64) levels is rejected, so whatever a
  parser returns can be serialised by the storage layer (``json.dumps`` recurses).

Whether an over-long value is an error or is truncated is each parser's decision (documented
in its module): formats whose contract we publish (PagerDuty Events v2, generic) reject it;
formats whose text the user does not control (Alertmanager, Grafana, Datadog) truncate it.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Final

from slar.integrations.events import Link, PayloadInvalid, Severity

MAX_KEY: Final = 255
MAX_SUMMARY: Final = 1024
MAX_LABEL_KEY: Final = 255
MAX_LABEL_VALUE: Final = 1024
MAX_SOURCE: Final = 1024
MAX_DESCRIPTION: Final = 65_536
MAX_HREF: Final = 2048
MAX_LINK_TEXT: Final = 255
MAX_DEPTH: Final = 64
MAX_ERRORS: Final = 20

ELLIPSIS: Final = "…"


class Errors:
    """Collects messages naming bad fields; raises them all at once."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self._dropped = 0

    def add(self, message: str) -> None:
        if len(self.messages) < MAX_ERRORS:
            self.messages.append(message)
        else:
            self._dropped += 1

    def __bool__(self) -> bool:
        return bool(self.messages)

    def raise_if_any(self) -> None:
        if not self.messages:
            return
        messages = list(self.messages)
        if self._dropped:
            messages.append(f"and {self._dropped} more errors")
        raise PayloadInvalid(messages)


def join(parent: str, key: str) -> str:
    """The path of ``key`` inside ``parent`` (``payload.summary``)."""
    return f"{parent}.{key}" if parent else key


def require_object(body: object) -> dict[str, Any]:
    """The body as a dict, or ``PayloadInvalid``; also rejects absurd nesting."""
    if not isinstance(body, dict):
        raise PayloadInvalid(["body must be a JSON object"])
    check_depth(body)
    return body


def check_depth(body: dict[str, Any], limit: int = MAX_DEPTH) -> None:
    """Raise ``PayloadInvalid`` if ``body`` nests containers more than ``limit`` levels deep.

    Iterative (explicit stack): safe on any depth. Only containers are pushed, so the cost is
    one visit per element of the body. The error names the path of the first
    ``_NAMED_LEVELS`` levels (``payload.custom_details.trace``); deeper ones are not spelt out.
    """
    stack: list[tuple[object, int, str]] = [(body, 1, "")]
    while stack:
        value, depth, path = stack.pop()
        if depth > limit:
            raise PayloadInvalid(
                [f"{path or 'body'} is nested too deeply (more than {limit} levels)"]
            )
        named = depth < _NAMED_LEVELS
        if isinstance(value, dict):
            for key, child in value.items():
                if isinstance(child, dict | list | tuple):
                    child_path = join(path, _key_name(key)) if named else path
                    stack.append((child, depth + 1, child_path))
        elif isinstance(value, list | tuple):
            for index, child in enumerate(value):
                if isinstance(child, dict | list | tuple):
                    stack.append((child, depth + 1, f"{path}[{index}]" if named else path))


_NAMED_LEVELS: Final = 4


def _key_name(key: object) -> str:
    return key if isinstance(key, str) else f"<{type(key).__name__}>"


# --- strings -------------------------------------------------------------------------------


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the last one an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1] + ELLIPSIS


def sha256_hex(text: str) -> str:
    # surrogatepass: decoded JSON may hold lone surrogates ("\ud800"), which strict UTF-8 refuses.
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def bounded_key(key: str) -> str:
    """``key`` itself when it fits ``MAX_KEY``, else ``"sha256:" + hexdigest`` of it."""
    if len(key) <= MAX_KEY:
        return key
    return "sha256:" + sha256_hex(key)


def opt_str(obj: dict[str, Any], key: str, path: str, errors: Errors) -> str | None:
    """``obj[key]`` if it is a string; None if absent or null; an error for any other type."""
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    errors.add(f"{join(path, key)} must be a string")
    return None


def opt_object(obj: dict[str, Any], key: str, path: str, errors: Errors) -> dict[str, Any]:
    """``obj[key]`` if it is an object; {} if absent or null; an error for any other type."""
    value = obj.get(key)
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    errors.add(f"{join(path, key)} must be an object")
    return {}


def opt_list(obj: dict[str, Any], key: str, path: str, errors: Errors) -> list[Any]:
    """``obj[key]`` if it is a list; [] if absent or null; an error for any other type."""
    value = obj.get(key)
    if value is None:
        return []
    if isinstance(value, list):
        return value
    errors.add(f"{join(path, key)} must be a list")
    return []


def key_text(value: object) -> str | None:
    """A key-like value as text: strings and integers (not booleans); None otherwise."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return _int_text(value)
    return None


def _int_text(value: int) -> str | None:
    try:
        return str(value)
    except ValueError:  # beyond sys.get_int_max_str_digits(); json.loads never makes one
        return None


# --- stringifying arbitrary JSON values -----------------------------------------------------


class _Raw(str):
    """A piece of JSON text already encoded (a marker type for ``compact_json``)."""

    __slots__ = ()


_END: Final = object()


def _scalar_json(value: object) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int):
        return _int_text(value) or '"<int>"'
    if isinstance(value, float):
        return json.dumps(value)
    return json.dumps(f"<{type(value).__name__}>")


def _tokens(value: object) -> Iterator[object]:
    """The JSON text of one level of ``value``: ``_Raw`` pieces and child values to expand."""
    if isinstance(value, dict):
        yield _Raw("{")
        for index, (key, child) in enumerate(value.items()):
            name = key if isinstance(key, str) else _scalar_json(key)
            yield _Raw(("," if index else "") + json.dumps(name, ensure_ascii=False) + ":")
            yield child
        yield _Raw("}")
    elif isinstance(value, list | tuple):
        yield _Raw("[")
        for index, child in enumerate(value):
            if index:
                yield _Raw(",")
            yield child
        yield _Raw("]")
    else:
        yield _Raw(_scalar_json(value))


def compact_json(value: object, limit: int) -> str:
    """Compact JSON text of ``value``, truncated to ``limit`` characters.

    Iterative and lazy: it stops reading ``value`` once ``limit`` characters are written, so
    neither depth nor size of the value matters.
    """
    out: list[str] = []
    size = 0
    stack: list[Iterator[object]] = [_tokens(value)]
    while stack and size <= limit:
        token = next(stack[-1], _END)
        if token is _END:
            stack.pop()
        elif isinstance(token, _Raw):
            out.append(token)
            size += len(token)
        else:
            stack.append(_tokens(token))
    return truncate("".join(out), limit)


def stringify(value: object, limit: int = MAX_LABEL_VALUE) -> str:
    """A label value as text: strings as they are, null as "", others as compact JSON."""
    if isinstance(value, str):
        return truncate(value, limit)
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return truncate(_scalar_json(value), limit)
    return compact_json(value, limit)


def string_labels(
    value: object, path: str, errors: Errors, *, value_limit: int = MAX_LABEL_VALUE
) -> dict[str, str]:
    """A JSON object as ``dict[str, str]`` (keys and values capped); errors name ``path``."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.add(f"{path} must be an object")
        return {}
    labels: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            errors.add(f"{path} keys must be strings")
            continue
        labels[truncate(key, MAX_LABEL_KEY)] = stringify(item, value_limit)
    return labels


def labels_fingerprint(labels: dict[str, str]) -> str:
    """A stable 16-hex fingerprint of a flat label set (Alertmanager's length)."""
    canonical = json.dumps(sorted(labels.items()), ensure_ascii=False, separators=(",", ":"))
    return sha256_hex(canonical)[:16]


# --- placeholders, times, links, severities -------------------------------------------------

_PLACEHOLDER = re.compile(r"\$[A-Z][A-Z0-9_]*")


def is_blank(text: str) -> bool:
    """Empty, whitespace, or an unfilled template variable such as ``$ALERT_CYCLE_KEY``."""
    stripped = text.strip()
    return not stripped or _PLACEHOLDER.fullmatch(stripped) is not None


_GO_ZERO_TIME: Final = datetime(1, 1, 1, tzinfo=UTC)
_EPOCH = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_MS_THRESHOLD: Final = 100_000_000_000  # 1e11: as seconds, year 5138; as milliseconds, 1973


def _from_epoch(number: float) -> datetime:
    if not math.isfinite(number) or number < 0:
        raise ValueError("not a usable epoch")
    seconds = number / 1000 if number >= _MS_THRESHOLD else number
    return datetime.fromtimestamp(seconds, tz=UTC)


def parse_timestamp(value: object, *, allow_epoch: bool) -> datetime | None:
    """An ISO 8601 / RFC 3339 date-time (or, if allowed, epoch seconds or ms) in UTC.

    Returns None for Go's zero time (``0001-01-01T00:00:00Z``: "not set"). Naive date-times
    are taken as UTC. Raises ``ValueError`` when ``value`` is not a date-time.
    """
    try:
        if isinstance(value, bool):
            raise ValueError("a boolean is not a date-time")
        if isinstance(value, int | float):
            if not allow_epoch:
                raise ValueError("a number is not an ISO 8601 date-time")
            return _from_epoch(float(value))
        if not isinstance(value, str):
            raise ValueError("not a date-time")
        text = value.strip()
        if allow_epoch and _EPOCH.fullmatch(text):
            return _from_epoch(float(text))
        if text[-1:] in ("z", "Z"):
            text = text[:-1] + "+00:00"
        parsed = datetime.fromisoformat(text)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        if parsed == _GO_ZERO_TIME:
            return None
        return parsed.astimezone(UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise ValueError(str(exc)) from exc


_HTTP_URL = re.compile(r"https?://[^\s/?#]+", re.IGNORECASE)


def http_link(href: object, text: object = "") -> Link | None:
    """A ``Link`` if ``href`` is an absolute http(s) URL of sensible length, else None.

    Anything else (``javascript:``, relative paths, non-strings) is dropped: the UI renders
    links as anchors and must never be handed a script URL by a sender.
    """
    if not isinstance(href, str):
        return None
    href = href.strip()
    if len(href) > MAX_HREF or _HTTP_URL.match(href) is None:
        return None
    label = truncate(text.strip(), MAX_LINK_TEXT) if isinstance(text, str) else ""
    return Link(href=href, text=label)


SEVERITIES: Final = ", ".join(s.value for s in Severity)

# Words monitoring tools use for severity, lower-cased. The four canonical names map to
# themselves. Used by every parser that accepts free-form severities.
SEVERITY_ALIASES: Final[dict[str, Severity]] = {
    "critical": Severity.CRITICAL,
    "crit": Severity.CRITICAL,
    "page": Severity.CRITICAL,
    "fatal": Severity.CRITICAL,
    "emergency": Severity.CRITICAL,
    "p1": Severity.CRITICAL,
    "error": Severity.ERROR,
    "err": Severity.ERROR,
    "high": Severity.ERROR,
    "major": Severity.ERROR,
    "p2": Severity.ERROR,
    "warning": Severity.WARNING,
    "warn": Severity.WARNING,
    "medium": Severity.WARNING,
    "minor": Severity.WARNING,
    "p3": Severity.WARNING,
    "info": Severity.INFO,
    "informational": Severity.INFO,
    "low": Severity.INFO,
    "none": Severity.INFO,
    "notice": Severity.INFO,
    "debug": Severity.INFO,
    "ok": Severity.INFO,
    "p4": Severity.INFO,
    "p5": Severity.INFO,
}


def severity_alias(text: str) -> Severity | None:
    """The severity a free-form word names (case-insensitive), or None if unknown."""
    return SEVERITY_ALIASES.get(text.strip().lower())
