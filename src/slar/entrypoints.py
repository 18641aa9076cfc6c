"""Application factories for uvicorn (``factory=True``), one per HTTP role.

Each worker process builds its own settings, engine and state from the environment; ``serve``
also runs a job worker in each process (see ``slar.gateway``).
"""

from __future__ import annotations

from fastapi import FastAPI

from slar import bootstrap
from slar.api.app import create_api_app
from slar.gateway import create_gateway_app
from slar.observability.logs import configure_logging
from slar.settings import load_settings
from slar.worker.main import WorkerThread


def api_app() -> FastAPI:
    settings = load_settings()
    configure_logging(settings.log.level, settings.log.format)
    return create_api_app(bootstrap.build_api_state(settings))


def serve_app() -> FastAPI:
    settings = load_settings()
    configure_logging(settings.log.level, settings.log.format)
    state = bootstrap.build_api_state(settings)
    runners = bootstrap.build_workers(
        settings,
        state.clock,
        bootstrap.job_handlers(settings),
        bootstrap.periodic_ticks(settings),
    )
    return create_gateway_app(state, worker=WorkerThread(runners))


def web_app() -> FastAPI:
    """``slar web``: the UI alone, calling the API at ``API_BASE_URL``."""
    from slar.web.app import create_web_app
    from slar.web.connector import ApiConnector

    settings = load_settings()
    configure_logging(settings.log.level, settings.log.format)
    connector = ApiConnector.over_network(settings.web.api_base_url, settings.web.api_timeout)
    return create_web_app(settings, connector)


def ai_app() -> FastAPI:
    """``slar ai``: the assistant alone, calling the API at ``API_BASE_URL``."""
    from slar.ai.app import create_ai_app
    from slar.ai.service import over_network

    settings = load_settings()
    configure_logging(settings.log.level, settings.log.format)
    return create_ai_app(settings, over_network(settings.ai.api_base_url))
