"""Escalation: policies (ordered levels of targets with delays, repeated N times), the pure
next-step logic, and the engine that pages each level until someone acknowledges."""
