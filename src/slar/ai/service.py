"""The assistant as both edges (socket and REST) use it: a client per caller, the limits, and
one chat turn from "user message" to "done" with the conversation kept through the API."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from slar.ai import conversations
from slar.ai.agent import Approve, Emit, Limits, Turn
from slar.ai.errors import AiError, not_configured
from slar.ai.metrics import AI_TOKENS, AI_TURNS
from slar.ai.prompts import system_prompt
from slar.ai.protocol import DoneFrame, ErrorFrame, UsageOut
from slar.ai.providers.base import Provider
from slar.client import ApiError, AsyncSlarClient
from slar.domain.identity.schemas import MeOut
from slar.settings import AiSettings

log = logging.getLogger("slar.ai")

VIA_HEADER = "X-Slar-Via"
API_TIMEOUT = 30.0
HttpFactory = Callable[[], httpx.AsyncClient]


def over_network(base_url: str, timeout: float = API_TIMEOUT) -> HttpFactory:
    """``slar ai``: the API at ``API_BASE_URL``."""
    base = base_url.rstrip("/")
    return lambda: httpx.AsyncClient(base_url=base, timeout=timeout)


def in_process(api_app: Any, timeout: float = API_TIMEOUT) -> HttpFactory:
    """``slar serve``: the API app in the same process, without a socket."""
    return lambda: httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api_app), base_url="http://api", timeout=timeout
    )


@dataclass
class Assistant:
    settings: AiSettings
    provider: Provider | None
    http_factory: HttpFactory

    def client(self, token: str) -> AsyncSlarClient:
        """A client acting as the caller; the API marks what it does as done via the assistant."""
        http = self.http_factory()
        http.headers[VIA_HEADER] = "assistant"
        return AsyncSlarClient(str(http.base_url), token, http=http)

    def require_provider(self) -> Provider:
        if self.provider is None:
            raise not_configured()
        return self.provider

    @property
    def limits(self) -> Limits:
        return Limits(
            max_tool_calls=self.settings.max_tool_calls,
            token_budget=self.settings.conversation_token_budget,
            model_timeout=self.settings.timeout,
            approval_timeout=self.settings.approval_timeout,
        )

    async def chat_turn(
        self,
        client: AsyncSlarClient,
        me: MeOut,
        *,
        text: str,
        conversation_id: int | None,
        incident_id: int | None,
        emit: Emit,
        approve: Approve | None,
    ) -> DoneFrame:
        """Run one turn. On failure the partial turn is still kept, and the exception carries
        ``conversation_id`` so the caller can report it."""
        provider = self.require_provider()
        opened = await conversations.open_conversation(
            client, conversation_id=conversation_id, incident_id=incident_id, text=text
        )
        turn = Turn(
            provider=provider,
            client=client,
            system=system_prompt(me, now=datetime.now(UTC), incident_id=opened.incident_id),
            limits=self.limits,
            emit=emit,
            approve=approve,
            tokens_before=opened.tokens_used,
        )
        outcome = "ok"
        try:
            await turn.run(opened.history, text)
        except Exception as exc:
            outcome = "error"
            raise TurnFailed(opened.conversation_id, turn) from exc
        except BaseException:
            outcome = "cancelled"
            raise
        finally:
            AI_TURNS.labels(provider.name, outcome).inc()
            AI_TOKENS.labels(provider.name, "input").inc(turn.usage.input_tokens)
            AI_TOKENS.labels(provider.name, "output").inc(turn.usage.output_tokens)
            not_kept = await _keep(client, opened.conversation_id, turn)
            log.info(
                "assistant turn %s",
                outcome,
                extra={
                    "conversation_id": opened.conversation_id,
                    "user_id": me.id,
                    "provider": provider.name,
                    "tool_calls": turn.tool_calls_made,
                    "input_tokens": turn.usage.input_tokens,
                    "output_tokens": turn.usage.output_tokens,
                    "conversation_tokens": turn.conversation_tokens,
                },
            )
        if not_kept is not None:
            # The answer was given, but the user should know it will not be in the history.
            await emit(ErrorFrame(code=not_kept.code, message=not_kept.message))
        return done_frame(opened.conversation_id, turn)


class TurnFailed(Exception):
    """A turn failed after its conversation was opened; ``__cause__`` is the failure."""

    def __init__(self, conversation_id: int, turn: Turn) -> None:
        super().__init__(f"turn of conversation {conversation_id} failed")
        self.conversation_id = conversation_id
        self.turn = turn


def done_frame(conversation_id: int | None, turn: Turn | None) -> DoneFrame:
    usage = UsageOut()
    if turn is not None:
        usage = UsageOut(
            input_tokens=turn.usage.input_tokens,
            output_tokens=turn.usage.output_tokens,
            conversation_tokens=turn.conversation_tokens,
        )
    return DoneFrame(conversation_id=conversation_id, usage=usage)


async def _keep(client: AsyncSlarClient, conversation_id: int, turn: Turn) -> AiError | None:
    """Keep the turn; a failure is logged and returned, never raised: the turn's own outcome
    matters more than its record."""
    try:
        await conversations.save_turn(client, conversation_id, turn)
    except ApiError as exc:  # refused (a full conversation): expected, say why
        log.warning("could not keep the turn of conversation %s: %s", conversation_id, exc.code)
        return AiError(exc.code, f"this turn could not be kept: {exc.message}", status=exc.status)
    except Exception:
        log.exception("could not keep the turn of conversation %s", conversation_id)
        return AiError("ai.not_kept", "this turn could not be kept in the conversation")
    return None
