"""Zalo OA law assistant; `create_app()` is the WSGI application factory (gunicorn 'bot:create_app()')."""
from __future__ import annotations

import importlib.util
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

    from bot.config import Settings

log = logging.getLogger(__name__)


def _register_errors(app: "Flask") -> None:
    """JSON errors; HTTP errors keep their 4xx code, so bad input never turns into a 5xx."""
    from flask import jsonify
    from werkzeug.exceptions import HTTPException

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        """The HTTP error as JSON, same status."""
        response = jsonify(error=exc.name)
        response.status_code = exc.code or 400
        if exc.code == 405 and exc.valid_methods:  # type: ignore[attr-defined]
            response.headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Any:
        """A bug: logged, answered 500 without details."""
        log.exception("unhandled error")
        response = jsonify(error="internal error")
        response.status_code = 500
        return response


def _register_optional(app: "Flask") -> None:
    """Blueprints of modules other parts of the bot add (admin), when present."""
    if importlib.util.find_spec("bot.admin") is None:
        return
    from bot import admin

    if hasattr(admin, "register"):
        admin.register(app)
    elif hasattr(admin, "bp"):
        app.register_blueprint(admin.bp)


def create_app(settings: "Settings | None" = None, **services: Any) -> "Flask":
    """Build the Flask app; real services unless given (services=, or store=, queue=, zalo=, dialogue=, library=)."""
    from flask import Flask

    from bot import health, logs, webhook
    from bot.config import Settings
    from bot.services import build_services

    settings = (settings or Settings.from_env()).require_zalo()
    logs.setup(settings)
    built = services.pop("services", None) or build_services(settings, **services)
    app = Flask(__name__)
    if settings.trusted_proxy_hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # behind a reverse proxy the client address (admin lockout, audit) comes from X-Forwarded-For
        hops = settings.trusted_proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    logs.init_app(app)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["zlb"] = built
    _register_errors(app)
    app.register_blueprint(webhook.bp)
    app.register_blueprint(health.bp)
    _register_optional(app)
    return app
