"""A fake Anthropic Messages API (``POST /v1/messages``) on 127.0.0.1, speaking the real wire
format: server-sent events ``message_start``, ``content_block_start``/``delta``
(``text_delta``, ``input_json_delta``)/``stop``, ``message_delta`` with usage, ``message_stop``;
or one JSON message without ``stream``. Errors use Anthropic's error body
(``{"type": "error", "error": {"type", "message"}}``).

It checks what a real server would refuse (missing key or version header, roles that do not
alternate, a ``tool_result`` without its ``tool_use``) and answers 400 like the real one.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from tests.support.fakes.llm_script import Break, Fail, Reply, ScriptedServer, Stall, Use, pieces


def _error(status: int, kind: str, message: str) -> JSONResponse:
    body = {"type": "error", "error": {"type": kind, "message": message}}
    return JSONResponse(body, status_code=status)


def problems_of(body: dict[str, Any], headers: dict[str, str]) -> str | None:
    """What the real API would refuse in this request, or ``None``."""
    if not (headers.get("x-api-key") or headers.get("authorization", "").startswith("Bearer ")):
        return "x-api-key or authorization header is required"
    if not headers.get("anthropic-version"):
        return "anthropic-version header is required"
    for key in ("model", "max_tokens", "messages"):
        if key not in body:
            return f"{key}: Field required"
    messages = body["messages"]
    if not messages or messages[0].get("role") != "user":
        return "messages: first message must use the user role"
    tool_ids: set[str] = set()
    for i, message in enumerate(messages):
        if i and messages[i - 1]["role"] == message["role"]:
            return f"messages.{i}: roles must alternate between user and assistant"
        content = message["content"]
        blocks = content if isinstance(content, list) else [{"type": "text", "text": content}]
        for block in blocks:
            if block.get("type") == "tool_use":
                tool_ids.add(block["id"])
            if block.get("type") == "tool_result" and block.get("tool_use_id") not in tool_ids:
                return f"messages.{i}: tool_result without a matching tool_use"
    if tool_ids and "tools" not in body:
        return "tools: required when messages contain tool_use blocks"
    return None


class FakeAnthropic(ScriptedServer):
    model = "claude-fake"

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/messages", self.messages, methods=["POST"])])

    async def messages(self, request: Request) -> Response:
        body = await request.json()
        headers = {k.lower(): v for k, v in request.headers.items()}
        step = self.next_step(body, headers)
        problem = problems_of(body, headers)
        if problem is not None:
            return _error(400, "invalid_request_error", problem)
        if step is None:
            return _error(500, "api_error", "the fake's script is exhausted")
        if isinstance(step, Fail):
            return _error(step.status, step.kind, step.message)
        if isinstance(step, Stall) and step.after_text is None:
            await asyncio.sleep(step.seconds)
            return _error(500, "api_error", "stalled")
        if not body.get("stream"):
            assert isinstance(step, Reply)
            return JSONResponse(self.message(step, body))
        return StreamingResponse(self.events(step, body), media_type="text/event-stream")

    def message(self, reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
        content = [
            {"type": "tool_use", "id": _id(p), "name": p.name, "input": p.arguments}
            if isinstance(p, Use)
            else {"type": "text", "text": p.text}
            for p in reply.parts
        ]
        return {
            "id": f"msg_{uuid.uuid4().hex[:20]}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model", self.model),
            "content": content,
            "stop_reason": "tool_use" if _uses(reply) else "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": reply.input_tokens, "output_tokens": reply.output_tokens},
        }

    async def events(
        self, step: Reply | Stall | Break, body: dict[str, Any]
    ) -> AsyncIterator[bytes]:
        start = self.message(Reply(()), body)
        start["usage"] = {
            "input_tokens": step.input_tokens if isinstance(step, Reply) else 10,
            "output_tokens": 1,
        }
        yield _sse("message_start", {"type": "message_start", "message": start})
        yield _sse("ping", {"type": "ping"})
        if isinstance(step, Stall):
            yield from_text(0, step.after_text or "")
            await asyncio.sleep(step.seconds)
            return
        if isinstance(step, Break):
            yield from_text(0, step.after_text)
            error = {"type": "error", "error": {"type": step.kind, "message": step.message}}
            yield _sse("error", error)
            return
        for index, part in enumerate(step.parts):
            if isinstance(part, Use):
                block = {"type": "tool_use", "id": _id(part), "name": part.name, "input": {}}
                yield _sse(
                    "content_block_start",
                    {"type": "content_block_start", "index": index, "content_block": block},
                )
                raw = part.raw_arguments or json.dumps(part.arguments)
                for piece in pieces(raw, 9):
                    delta = {"type": "input_json_delta", "partial_json": piece}
                    yield _sse(
                        "content_block_delta",
                        {"type": "content_block_delta", "index": index, "delta": delta},
                    )
                yield _sse("content_block_stop", {"type": "content_block_stop", "index": index})
            else:
                yield from_text(index, part.text)
            await asyncio.sleep(0)
        stop = "tool_use" if _uses(step) else "end_turn"
        yield _sse(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": step.output_tokens},
            },
        )
        yield _sse("message_stop", {"type": "message_stop"})


def from_text(index: int, text: str) -> bytes:
    """A whole text block's events (start, deltas, stop) as one chunk of the stream."""
    block = {"type": "text", "text": ""}
    out = _sse(
        "content_block_start",
        {"type": "content_block_start", "index": index, "content_block": block},
    )
    for piece in pieces(text):
        delta = {"type": "text_delta", "text": piece}
        out += _sse(
            "content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}
        )
    return out + _sse("content_block_stop", {"type": "content_block_stop", "index": index})


def _uses(reply: Reply) -> bool:
    return any(isinstance(p, Use) for p in reply.parts)


def _id(use: Use) -> str:
    return use.id or f"toolu_{uuid.uuid4().hex[:24]}"


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()
