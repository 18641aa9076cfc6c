"""Notifications: how a person is reached. Contact methods (e-mail, SMS, Slack, webhook) and
their verification, personal notification rules per urgency, and a ``Delivery`` row per message
whose sending is a ``notification.send`` job. The network I/O happens in ``slar.channels``
behind the ports in ``ports.py``."""
