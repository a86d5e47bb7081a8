"""Who is asking, network-wise: X-Forwarded-For believed only from trusted proxies, and /metrics kept to the private
network (or a METRICS_TOKEN)."""
from __future__ import annotations

import hmac
import ipaddress
from functools import lru_cache
from typing import Any, Callable, Iterable

from flask import request
from werkzeug.middleware.proxy_fix import ProxyFix

PEER = "zlb.peer"  # the WSGI environ key holding the address of whoever opened the connection to gunicorn
FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


@lru_cache(maxsize=32)
def _networks(values: tuple[str, ...]) -> tuple[Any, ...]:
    """Parsed networks (settings checked them already)."""
    return tuple(ipaddress.ip_network(v, strict=False) for v in values)


def within(address: str | None, networks: Iterable[str]) -> bool:
    """True when the address lies in one of the networks (False for anything that is not an IP address)."""
    try:
        ip = ipaddress.ip_address((address or "").split("%")[0])
    except ValueError:
        return False
    return any(ip.version == net.version and ip in net for net in _networks(tuple(networks)))


class TrustedProxies:
    """WSGI middleware: X-Forwarded-For/-Proto are applied (ProxyFix, `hops` deep) only when the connection comes
    from a trusted proxy address; a client reaching gunicorn directly is known by its own address, whatever it
    claims in X-Forwarded-For (so forged headers cannot dodge the admin lockout)."""

    def __init__(self, app: Callable[..., Any], hops: int, networks: tuple[str, ...]) -> None:
        self.app = app
        self.networks = networks
        self.proxied = ProxyFix(app, x_for=hops, x_proto=hops) if hops else app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """Record the peer, then apply the forwarding headers only behind a trusted proxy."""
        peer = environ.get("REMOTE_ADDR", "")
        environ[PEER] = peer
        if self.proxied is not self.app and within(peer, self.networks):
            return self.proxied(environ, start_response)
        return self.app(environ, start_response)


def peer() -> str:
    """The address of the connection's other end (a proxy, or the client itself)."""
    return str(request.environ.get(PEER) or request.remote_addr or "")


def metrics_allowed(settings: Any) -> bool:
    """/metrics: with METRICS_TOKEN, for `Authorization: Bearer <it>` only; without, only for a scraper on the
    private network that talks to gunicorn directly (a request relayed by a proxy carries forwarding headers)."""
    if settings.metrics_token:
        scheme, _, value = (request.headers.get("Authorization") or "").strip().partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(),
                                                                  settings.metrics_token.encode())
    if any(request.environ.get(h) for h in FORWARDING_HEADERS):
        return False
    return within(peer(), settings.trusted_proxies)
