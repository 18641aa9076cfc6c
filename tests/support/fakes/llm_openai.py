"""A fake OpenAI-compatible Chat Completions API (``POST /v1/chat/completions``) on 127.0.0.1,
speaking the real wire format: ``chat.completion.chunk`` events with ``delta.content`` and
``delta.tool_calls`` (name first, arguments in pieces, by ``index``), a final chunk with
``finish_reason``, the usage chunk when ``stream_options.include_usage`` is set, then
``data: [DONE]``; or one ``chat.completion`` without ``stream``. Errors use OpenAI's body
(``{"error": {"message", "type", "code"}}``) — what Ollama, vLLM and llama.cpp send too.

It refuses (400) what a real server refuses: no messages, a ``tool`` message whose
``tool_call_id`` no earlier assistant message announced.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from tests.support.fakes.llm_script import Break, Fail, Reply, ScriptedServer, Stall, Use, pieces


def _error(status: int, kind: str, message: str) -> JSONResponse:
    body = {"error": {"message": message, "type": kind, "param": None, "code": None}}
    return JSONResponse(body, status_code=status)


def problems_of(body: dict[str, Any]) -> str | None:
    messages = body.get("messages")
    if not body.get("model"):
        return "model: required"
    if not messages:
        return "messages: required"
    announced: set[str] = set()
    for i, message in enumerate(messages):
        for call in message.get("tool_calls") or []:
            announced.add(call["id"])
        if message.get("role") == "tool" and message.get("tool_call_id") not in announced:
            return f"messages.[{i}].tool_call_id: no assistant message announced this tool call"
    return None


class FakeOpenAI(ScriptedServer):
    model = "gpt-fake"

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/chat/completions", self.completions, methods=["POST"])])

    async def completions(self, request: Request) -> Response:
        body = await request.json()
        step = self.next_step(body, {k.lower(): v for k, v in request.headers.items()})
        problem = problems_of(body)
        if problem is not None:
            return _error(400, "invalid_request_error", problem)
        if step is None:
            return _error(500, "server_error", "the fake's script is exhausted")
        if isinstance(step, Fail):
            return _error(step.status, step.kind, step.message)
        if isinstance(step, Stall) and step.after_text is None:
            await asyncio.sleep(step.seconds)
            return _error(500, "server_error", "stalled")
        if not body.get("stream"):
            assert isinstance(step, Reply)
            return JSONResponse(self.completion(step, body))
        usage = bool((body.get("stream_options") or {}).get("include_usage"))
        return StreamingResponse(self.chunks(step, body, usage), media_type="text/event-stream")

    def completion(self, reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
        text = "".join(p.text for p in reply.parts if not isinstance(p, Use))
        calls = [_call(p) for p in reply.parts if isinstance(p, Use)]
        message: dict[str, Any] = {"role": "assistant", "content": text or None}
        if calls:
            message["tool_calls"] = calls
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", self.model),
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": "tool_calls" if calls else "stop",
                }
            ],
            "usage": _usage(reply),
        }

    async def chunks(
        self, step: Reply | Stall | Break, body: dict[str, Any], include_usage: bool
    ) -> AsyncIterator[bytes]:
        chunk_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        model = body.get("model", self.model)

        def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
            return _data(_envelope(chunk_id, model, [choice]))

        yield chunk({"role": "assistant", "content": ""})
        if isinstance(step, Stall):
            for piece in pieces(step.after_text or ""):
                yield chunk({"content": piece})
            await asyncio.sleep(step.seconds)
            return
        if isinstance(step, Break):
            for piece in pieces(step.after_text):
                yield chunk({"content": piece})
            # What OpenAI-compatible servers (vLLM, llama.cpp) send when a stream fails.
            yield _data({"error": {"message": step.message, "type": step.kind, "code": None}})
            return
        index = 0
        for part in step.parts:
            if isinstance(part, Use):
                call = _call(part)
                first = {
                    "index": index,
                    "id": call["id"],
                    "type": "function",
                    "function": {"name": part.name, "arguments": ""},
                }
                yield chunk({"tool_calls": [first]})
                for piece in pieces(call["function"]["arguments"], 9):
                    yield chunk(
                        {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}
                    )
                index += 1
            else:
                for piece in pieces(part.text):
                    yield chunk({"content": piece})
            await asyncio.sleep(0)
        yield chunk({}, "tool_calls" if index else "stop")
        if include_usage:
            envelope = _envelope(chunk_id, model, [])
            envelope["usage"] = _usage(step)
            yield _data(envelope)
        yield b"data: [DONE]\n\n"


def _call(use: Use) -> dict[str, Any]:
    return {
        "id": use.id or f"call_{uuid.uuid4().hex[:24]}",
        "type": "function",
        "function": {"name": use.name, "arguments": use.raw_arguments or json.dumps(use.arguments)},
    }


def _usage(reply: Reply) -> dict[str, int]:
    return {
        "prompt_tokens": reply.input_tokens,
        "completion_tokens": reply.output_tokens,
        "total_tokens": reply.input_tokens + reply.output_tokens,
    }


def _envelope(chunk_id: str, model: str, choices: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": chunk_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "fp_fake",
        "choices": choices,
    }


def _data(payload: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(payload)}\n\n".encode()
