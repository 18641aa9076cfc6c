"""Prometheus metrics of the assistant: turns by outcome and tokens by provider."""

from __future__ import annotations

from prometheus_client import Counter

AI_TURNS = Counter("slar_ai_turns_total", "Assistant turns", ["provider", "outcome"])
AI_TOKENS = Counter("slar_ai_tokens_total", "Model tokens used", ["provider", "direction"])
AI_TOOL_CALLS = Counter("slar_ai_tool_calls_total", "Assistant tool calls", ["tool", "outcome"])
