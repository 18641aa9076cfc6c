"""Monitors: uptime checks run by the worker, heartbeat monitors (dead-man's switches) and
the health of integrations (silence turned into an incident).

``rules`` is the pure core (failure threshold state machine, uptime and percentiles, the SSRF
address classification, the spread of first runs); ``service`` the use cases; ``jobs`` the
worker's ``monitor.check`` handler and periodic ticks. Probes themselves are network I/O and
live in the ``slar.probes`` edge, injected through ``ports.Prober`` by ``slar.bootstrap``.
"""
