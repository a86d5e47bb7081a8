"""Zalo OA law assistant; `create_app()` is the WSGI application factory (gunicorn 'bot:create_app()')."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

    from bot.ops.settings import Settings


def create_app(settings: "Settings | None" = None, **services: Any) -> "Flask":
    """The Flask app (bot.web.app.create_app); nothing is imported or connected before it is called."""
    from bot.web.app import create_app as factory

    return factory(settings, **services)
