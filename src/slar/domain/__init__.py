"""The domain: bounded contexts with pure rules, repositories and services.

Never imports FastAPI, Starlette, Jinja2, httpx, Slack or LLM SDKs. Services take keyword
arguments, check the actor's permission, change state and never commit: the edge's unit of
work does.
"""
