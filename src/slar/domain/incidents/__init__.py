"""Incidents: lifecycle (trigger, acknowledge, resolve, reassign, snooze, merge), timeline,
notes, and analytics (MTTA / MTTR)."""
