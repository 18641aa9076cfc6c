"""SLAR: self-hosted on-call and incident response with an AI assistant.

One package, one image; the role (API, web, AI, worker, Slack worker, all-in-one) is chosen by
the ``slar`` command. See ``docs/`` and the architecture notes for the layering.
"""

__version__ = "0.1.0"
