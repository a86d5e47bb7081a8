"""The application factory: settings, services and blueprints; nothing connects before it is called."""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from bot.ops import logs
from bot.ops.settings import Settings
from bot.services import build_services
from bot.web import admin, admin_auth, admin_cards, admin_deadletters, console, health, webhook
from bot.web.access import TrustedProxies

log = logging.getLogger(__name__)


def _register_errors(app: Flask) -> None:
    """JSON errors; HTTP errors keep their 4xx code, so bad input never turns into a 5xx."""

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


def create_app(settings: Settings | None = None, **services: Any) -> Flask:
    """Build the Flask app; real services unless given (services=, or store=, queue=, zalo=, dialogue=, library=)."""
    settings = (settings or Settings.from_env()).require_zalo()
    admin_auth.check_config(settings)
    logs.setup(settings)
    built = services.pop("services", None) or build_services(settings, **services)
    app = Flask("bot.web")  # templates and static files live in bot/web
    # behind a reverse proxy (TRUSTED_PROXY_HOPS) the client address comes from X-Forwarded-For, believed only when
    # the connection comes from a TRUSTED_PROXIES address
    app.wsgi_app = TrustedProxies(app.wsgi_app, settings.trusted_proxy_hops,  # type: ignore[method-assign]
                                  settings.trusted_proxies)
    logs.init_app(app)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    # werkzeug refuses (413) any body past this while reading it, chunked uploads included; the webhook reads at
    # most its own 64 KiB, an upload at most MAX_UPLOAD_BYTES (plus multipart framing)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_upload_bytes + admin.MULTIPART_SLACK
    app.extensions["zlb"] = built
    _register_errors(app)
    for blueprint in (webhook.bp, health.bp, admin.bp, admin_deadletters.bp, admin_cards.bp):
        app.register_blueprint(blueprint)
    console.init_app(app, settings)  # the officials' pages, their session cookie and CSRF
    return app
