"""The REST API edge (``slar api``, port 8080; ``/api`` behind the gateway).

Handlers parse, resolve the principal, call one service function, and render. Each request is
one transaction, committed before the response is sent.
"""
