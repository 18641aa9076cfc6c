"""Typed settings, built once at start-up and validated.

Names are the seed's where it has one (``DATABASE_URL``, ``LOG_LEVEL``, ``POLL_INTERVAL``...);
everything else carries the ``SLAR_`` prefix. ``load_settings`` turns a validation failure into
a ``SettingsError`` that names the variable, so a bad deployment fails with one clear line.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


class _Group(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True, populate_by_name=False)


class DatabaseSettings(_Group):
    """Where data lives. SQLite by default (``./slar.db``); PostgreSQL in production."""

    url: str = Field("sqlite:///./slar.db", validation_alias=_env("DATABASE_URL"))
    pool_size: int = Field(10, ge=1, le=200, validation_alias=_env("SLAR_DB_POOL_SIZE"))
    pool_timeout: float = Field(
        5.0,
        gt=0,
        le=60,
        validation_alias=_env("SLAR_DB_POOL_TIMEOUT"),
        description="Seconds to wait for a pooled connection before shedding load with a 503.",
    )
    echo: bool = Field(False, validation_alias=_env("SLAR_DB_ECHO"))

    @field_validator("url")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        value = value.strip()
        if value.startswith("postgres://"):
            value = "postgresql://" + value.removeprefix("postgres://")
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        if not (value.startswith("sqlite") or value.startswith("postgresql+psycopg://")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")


class AuthSettings(_Group):
    """Local JWTs, Supabase JWTs, token lifetimes."""

    secret_key: str | None = Field(
        None,
        min_length=32,
        validation_alias=_env("SLAR_SECRET_KEY"),
        description="Signs SLAR's access tokens. Unset: a random key is kept in the database.",
    )
    access_token_ttl: int = Field(
        900, ge=60, le=86400, validation_alias=_env("SLAR_ACCESS_TOKEN_TTL")
    )
    refresh_token_ttl: int = Field(
        30 * 86400, ge=3600, validation_alias=_env("SLAR_REFRESH_TOKEN_TTL")
    )
    supabase_url: str | None = Field(None, validation_alias=_env("SUPABASE_URL"))
    supabase_anon_key: str | None = Field(None, validation_alias=_env("SUPABASE_ANON_KEY"))
    supabase_jwt_secret: str | None = Field(None, validation_alias=_env("SUPABASE_JWT_SECRET"))
    supabase_default_role: Literal["admin", "responder", "observer"] = Field(
        "responder", validation_alias=_env("SLAR_SUPABASE_DEFAULT_ROLE")
    )


class HttpSettings(_Group):
    """How HTTP roles listen and what they accept."""

    host: str = Field("127.0.0.1", validation_alias=_env("SLAR_HOST"))
    port: int | None = Field(None, ge=1, le=65535, validation_alias=_env("PORT"))
    workers: int = Field(1, ge=1, le=64, validation_alias=_env("SLAR_WORKERS"))
    cors_origins: str = Field("", validation_alias=_env("SLAR_CORS_ORIGINS"))
    max_body_bytes: int = Field(512 * 1024, ge=1024, validation_alias=_env("SLAR_MAX_BODY_BYTES"))
    public_url: str = Field("http://localhost:8000", validation_alias=_env("SLAR_PUBLIC_URL"))

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]


class LogSettings(_Group):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        "INFO", validation_alias=_env("LOG_LEVEL")
    )
    format: Literal["json", "text"] = Field("json", validation_alias=_env("SLAR_LOG_FORMAT"))

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


class WorkerSettings(_Group):
    """The background worker (seed names)."""

    poll_interval: float = Field(1.0, gt=0, le=60, validation_alias=_env("POLL_INTERVAL"))
    batch_size: int = Field(
        100,
        ge=1,
        le=10_000,
        validation_alias=_env("BATCH_SIZE"),
        description=(
            "Jobs claimed per round (at most in hand). Batches roll: whenever fewer claimed jobs "
            "are left than job threads, more due jobs are claimed, so a job that falls due while "
            "a batch runs does not wait for the batch's slowest job."
        ),
    )
    max_retries: int = Field(
        5,
        ge=0,
        le=100,
        validation_alias=_env("MAX_RETRIES"),
        description="Retries after the first attempt; a job then becomes dead.",
    )
    lease_seconds: float = Field(
        60.0,
        ge=1,
        le=3600,
        validation_alias=_env("SLAR_JOB_LEASE_SECONDS"),
        description="How long a claimed job stays reserved; an expired lease is re-claimable.",
    )
    backoff_base_seconds: float = Field(
        10.0, gt=0, le=3600, validation_alias=_env("SLAR_JOB_BACKOFF_BASE_SECONDS")
    )
    backoff_max_seconds: float = Field(
        900.0, gt=0, le=86400, validation_alias=_env("SLAR_JOB_BACKOFF_MAX_SECONDS")
    )
    concurrency: int = Field(
        4,
        ge=1,
        le=64,
        validation_alias=_env("SLAR_WORKER_CONCURRENCY"),
        description="Jobs of one batch run at the same time (threads, one connection each).",
    )
    heartbeat_file: str = Field(
        "/tmp/slar-worker-heartbeat",  # noqa: S108 - a liveness marker, not a secret
        min_length=1,
        validation_alias=_env("SLAR_WORKER_HEARTBEAT_FILE"),
    )
    worker_id: str = Field(
        default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}",
        min_length=1,
        max_length=200,
        validation_alias=_env("SLAR_WORKER_ID"),
        description="Names this worker in leases and logs (a random suffix is added).",
    )
    handlers: str | None = Field(
        None,
        validation_alias=_env("SLAR_WORKER_HANDLERS"),
        description="'module:attribute' of extra job handlers (tests, extensions).",
    )

    @property
    def heartbeat_max_age(self) -> float:
        """Seconds after which a silent worker counts as hung (the liveness probe fails)."""
        return max(2 * self.lease_seconds, 3 * self.poll_interval, 30.0)


class SmtpSettings(_Group):
    """Outgoing e-mail (pages, codes, handoff notices). Unset host: e-mail is not configured."""

    host: str | None = Field(None, validation_alias=_env("SLAR_SMTP_HOST"))
    port: int = Field(587, ge=1, le=65535, validation_alias=_env("SLAR_SMTP_PORT"))
    tls: Literal["none", "starttls", "tls"] = Field(
        "starttls",
        validation_alias=_env("SLAR_SMTP_TLS"),
        description="none (plain), starttls (upgrade, usually port 587) or tls (implicit, 465).",
    )
    username: str | None = Field(None, validation_alias=_env("SLAR_SMTP_USERNAME"))
    password: SecretStr | None = Field(None, validation_alias=_env("SLAR_SMTP_PASSWORD"))
    from_address: str = Field(
        "SLAR <slar@localhost>",
        validation_alias=_env("SLAR_SMTP_FROM"),
        description="The From header, e.g. 'SLAR <oncall@example.com>'.",
    )
    timeout: float = Field(10.0, gt=0, le=300, validation_alias=_env("SLAR_SMTP_TIMEOUT"))

    @field_validator("tls", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @property
    def configured(self) -> bool:
        return bool(self.host)


class SmsSettings(_Group):
    """Outgoing SMS through a Twilio-compatible Messages API."""

    base_url: str = Field("https://api.twilio.com", validation_alias=_env("SLAR_SMS_BASE_URL"))
    account_sid: str | None = Field(None, validation_alias=_env("SLAR_SMS_ACCOUNT_SID"))
    auth_token: SecretStr | None = Field(None, validation_alias=_env("SLAR_SMS_AUTH_TOKEN"))
    from_number: str | None = Field(
        None,
        validation_alias=_env("SLAR_SMS_FROM"),
        description="Sender: an E.164 number, or a Messaging Service SID (MG...).",
    )
    timeout: float = Field(10.0, gt=0, le=300, validation_alias=_env("SLAR_SMS_TIMEOUT"))

    @property
    def configured(self) -> bool:
        return bool(self.account_sid and self.auth_token and self.from_number)


class WebhookSettings(_Group):
    """Outgoing webhooks (personal webhook contact methods)."""

    timeout: float = Field(10.0, gt=0, le=300, validation_alias=_env("SLAR_WEBHOOK_TIMEOUT"))


class WebSettings(_Group):
    """The web UI (``slar web`` on PORT, default 3000; mounted at ``/`` by ``slar serve``)."""

    api_base_url: str = Field(
        "http://localhost:8080",
        validation_alias=_env("API_BASE_URL"),
        description="Where ``slar web`` reaches the API (``slar serve`` calls it in-process).",
    )
    secret_key: SecretStr | None = Field(
        None,
        min_length=32,
        validation_alias=_env("SLAR_WEB_SECRET_KEY"),
        description="Encrypts the session cookie. Unset: derived from SLAR_SECRET_KEY "
        "(``slar serve``: from the API's signing key).",
    )
    insecure_cookies: bool = Field(
        False,
        validation_alias=_env("SLAR_WEB_INSECURE_COOKIES"),
        description="Send the session cookie without Secure (plain http on a non-local host).",
    )
    session_ttl: int = Field(30 * 86400, ge=300, validation_alias=_env("SLAR_WEB_SESSION_TTL"))
    api_timeout: float = Field(10.0, gt=0, le=120, validation_alias=_env("SLAR_WEB_API_TIMEOUT"))


class AiSettings(_Group):
    """The AI assistant (``slar ai``): which LLM provider, its limits, and where the API is.

    No key and no base URL: the assistant is not configured, its endpoints answer 503 with a
    message saying how to configure one, and the rest of the platform is unaffected.
    """

    anthropic_api_key: SecretStr | None = Field(None, validation_alias=_env("ANTHROPIC_API_KEY"))
    openai_api_key: SecretStr | None = Field(None, validation_alias=_env("OPENAI_API_KEY"))
    provider: Literal["auto", "anthropic", "openai"] = Field(
        "auto",
        validation_alias=_env("SLAR_AI_PROVIDER"),
        description="auto: Anthropic when ANTHROPIC_API_KEY is set, else OpenAI when "
        "OPENAI_API_KEY or SLAR_AI_BASE_URL is set (a local server needs no key).",
    )
    model: str | None = Field(None, min_length=1, validation_alias=_env("SLAR_AI_MODEL"))
    base_url: str | None = Field(
        None,
        validation_alias=_env("SLAR_AI_BASE_URL"),
        description="The provider's base URL (an OpenAI-compatible server: '.../v1').",
    )
    temperature: float | None = Field(
        None, ge=0, le=2, validation_alias=_env("SLAR_AI_TEMPERATURE")
    )
    max_tokens: int = Field(
        2048,
        ge=16,
        le=200_000,
        validation_alias=_env("SLAR_AI_MAX_TOKENS"),
        description="Output tokens the model may produce per call.",
    )
    conversation_token_budget: int = Field(
        200_000,
        ge=1000,
        validation_alias=_env("SLAR_AI_CONVERSATION_TOKEN_BUDGET"),
        description="Input + output tokens one conversation may use; then it refuses.",
    )
    max_tool_calls: int = Field(8, ge=0, le=100, validation_alias=_env("SLAR_AI_MAX_TOOL_CALLS"))
    timeout: float = Field(
        60.0,
        gt=0,
        le=900,
        validation_alias=_env("SLAR_AI_TIMEOUT"),
        description="Seconds one model call may take (streaming included).",
    )
    approval_timeout: float = Field(
        600.0,
        gt=0,
        le=86400,
        validation_alias=_env("SLAR_AI_APPROVAL_TIMEOUT"),
        description="Seconds an approval request waits for an answer; then it counts as refused.",
    )
    max_retries: int = Field(
        2,
        ge=0,
        le=10,
        validation_alias=_env("SLAR_AI_MAX_RETRIES"),
        description="Retries of a failed model call by the provider SDK (429, 5xx, overloaded).",
    )
    api_base_url: str = Field(
        "http://127.0.0.1:8080",
        validation_alias=_env("API_BASE_URL"),
        description="Where the standalone AI service reaches the API (slar serve: in-process).",
    )

    @field_validator("provider", mode="before")
    @classmethod
    def _lower_provider(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @property
    def active_provider(self) -> Literal["anthropic", "openai"] | None:
        """The provider to use, or ``None`` when none is configured."""
        anthropic_ok = self.anthropic_api_key is not None
        openai_ok = self.openai_api_key is not None or self.base_url is not None
        if self.provider == "anthropic":
            return "anthropic" if anthropic_ok else None
        if self.provider == "openai":
            return "openai" if openai_ok else None
        if anthropic_ok:
            return "anthropic"
        # A base URL without any key can only mean a local OpenAI-compatible server.
        return "openai" if openai_ok else None


class MonitorSettings(_Group):
    """Uptime checks and heartbeats: which targets checks may reach, how long results stay."""

    allow_private: bool = Field(
        False,
        validation_alias=_env("SLAR_MONITOR_ALLOW_PRIVATE"),
        description="Let checks reach private, loopback and link-local addresses (SSRF guard).",
    )
    allow_list: str = Field(
        "",
        validation_alias=_env("SLAR_MONITOR_ALLOW_LIST"),
        description="Comma-separated CIDRs, addresses or host names checks may reach anyway.",
    )
    retention_days: int = Field(
        31, ge=1, le=3650, validation_alias=_env("SLAR_MONITOR_RETENTION_DAYS")
    )
    max_concurrent_probes: int = Field(
        16,
        ge=1,
        le=256,
        validation_alias=_env("SLAR_MONITOR_MAX_CONCURRENT_PROBES"),
        description="Probes in flight per worker process at most.",
    )

    @field_validator("allow_list")
    @classmethod
    def _valid_allow_list(cls, value: str) -> str:
        # The same test as slar.domain.monitors.rules.parse_allow_list (settings sit below the
        # domain and cannot import it): each entry a CIDR, an address or a host name.
        for raw in value.split(","):
            entry = raw.strip()
            if not entry:
                continue
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                if not re.fullmatch(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?\.?", entry):
                    raise ValueError(
                        f"{entry!r} is neither a CIDR, an address nor a host name"
                    ) from None
        return value


class Settings(BaseModel):
    """All settings groups, read once."""

    model_config = ConfigDict(frozen=True)

    database: DatabaseSettings
    auth: AuthSettings
    http: HttpSettings
    log: LogSettings
    worker: WorkerSettings
    smtp: SmtpSettings
    sms: SmsSettings
    webhook: WebhookSettings
    ai: AiSettings
    web: WebSettings
    monitor: MonitorSettings


class SettingsError(Exception):
    """Invalid configuration; the message names every offending variable."""


_GROUPS: dict[str, type[_Group]] = {
    "database": DatabaseSettings,
    "auth": AuthSettings,
    "http": HttpSettings,
    "log": LogSettings,
    "worker": WorkerSettings,
    "smtp": SmtpSettings,
    "sms": SmsSettings,
    "webhook": WebhookSettings,
    "web": WebSettings,
    "ai": AiSettings,
    "monitor": MonitorSettings,
}


def _variable_name(group: type[_Group], field: str) -> str:
    alias = group.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices) and alias.choices:
        return str(alias.choices[0])
    return field


def load_settings(overrides: Mapping[str, str] | None = None) -> Settings:
    """Read the environment (plus ``overrides``, by variable name) into validated settings."""
    problems: list[str] = []
    built: dict[str, _Group] = {}
    for key, group in _GROUPS.items():
        try:
            values: dict[str, Any] = dict(overrides or {})
            built[key] = group(**values)
        except ValidationError as exc:
            for err in exc.errors():
                field = str(err["loc"][0]) if err["loc"] else ""
                name = field if field.isupper() else _variable_name(group, field)
                problems.append(f"{name}: {err['msg']}")
    if problems:
        raise SettingsError("invalid configuration: " + "; ".join(problems))
    return Settings(**built)
