"""Small HTTP(S) servers on 127.0.0.1 that load-balancer tests put behind a load balancer:
each answers every GET with its own name, in a thread, until stopped."""

from __future__ import annotations

import contextlib
import http.server
import random
import ssl
import threading
from collections.abc import Iterator

__all__ = ["Backend", "backends", "ha_vip_cidr", "vip_cidr"]


def vip_cidr() -> str:
    """A loopback /24 of its own for one test cloud's VIPs, so clouds running side by side
    (pytest-xdist) never want the same VIP address and port."""
    rng = random.SystemRandom()
    return f"127.{rng.randrange(100, 250)}.{rng.randrange(0, 256)}.0/24"


def ha_vip_cidr() -> str:
    """A /24 of RFC 2544's benchmarking range for one test cloud's ACTIVE_STANDBY pairs (it
    only exists on the bridges the pairs make on this host)."""
    rng = random.SystemRandom()
    return f"198.{rng.choice((18, 19))}.{rng.randrange(0, 256)}.0/24"


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = self.server.name.encode()  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


class Backend:
    """One server: ``name`` is what it answers, ``port`` where it listens."""

    def __init__(self, name: str, *, tls: ssl.SSLContext | None = None,
                 host: str = "127.0.0.1") -> None:
        self.name = name
        self.server = http.server.ThreadingHTTPServer((host, 0), _Handler)
        self.server.daemon_threads = True
        self.server.name = name  # type: ignore[attr-defined]
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.host = host
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(timeout=5)
            self.running = False


@contextlib.contextmanager
def backends(*names: str, tls: ssl.SSLContext | None = None) -> Iterator[list[Backend]]:
    started = [Backend(name, tls=tls) for name in names]
    try:
        yield started
    finally:
        for backend in started:
            backend.stop()
