"""AI service (``slar ai``): chat over WebSocket and REST, LLM providers, and tools that call the
API through ``slar.client`` with the caller's own token."""
