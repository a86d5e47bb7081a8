"""The officials' web console under /console/: server-rendered pages (templates in bot/web/templates/console,
assets in bot/web/static) over the same services the command line and /admin use."""
from __future__ import annotations

from bot.web.console import (  # noqa: F401 - views
    auth, broadcasts, cards, home, law_imports, laws, operations, reports, teaching)
from bot.web.console.core import bp, init_app

__all__ = ["bp", "init_app"]
