"""Observability shared by every role: JSON logs with a request id, Prometheus metrics, and a
framework-free ASGI middleware that ties them to each HTTP request."""
