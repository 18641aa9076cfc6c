"""Outbound probes of monitors (HTTP, TCP, DNS): the adapters behind ``domain.monitors.ports``,
wired in by ``bootstrap``."""
