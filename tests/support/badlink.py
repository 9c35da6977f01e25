"""A bad network link between a client and a server, for tests and benchmarks.

The kernel here has no netem, so this asyncio TCP proxy plays the link: it adds
one-way latency, limits bandwidth in each direction (serialising bytes as a real
link does, while latency overlaps), and cuts connections after N bytes or at
random. It runs its own event loop in a daemon thread so synchronous code
(``requests``, subprocesses) can use it.
"""

from __future__ import annotations

import asyncio
import random
import ssl
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field, replace
from typing import Any

CHUNK = 1460  # about one TCP segment: bandwidth limits apply at a realistic grain


@dataclass(frozen=True)
class LinkProfile:
    latency_s: float = 0.0  # one-way delay added to every byte
    down_bps: float | None = None  # server → client, bits per second
    up_bps: float | None = None  # client → server
    cut_after_bytes: int | None = None  # per connection, both directions together
    cut_probability: float = 0.0  # chance per forwarded chunk of a sudden cut
    offline: bool = False  # refuse connections: the network is gone

    @property
    def round_trip_s(self) -> float:
        return 2 * self.latency_s


EDGE = LinkProfile(latency_s=0.3, down_bps=200_000, up_bps=100_000)
GPRS = LinkProfile(latency_s=0.5, down_bps=40_000, up_bps=40_000)


@dataclass
class LinkStats:
    connections: int = 0
    refused: int = 0
    cuts: int = 0
    bytes_up: int = 0
    bytes_down: int = 0
    per_connection_up: list[int] = field(default_factory=list)


class BadLink:
    """``with BadLink(port, EDGE) as link: requests.get(link.url + ...)``."""

    def __init__(
        self,
        target_port: int,
        profile: LinkProfile,
        target_host: str = "127.0.0.1",
        seed: int = 1,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.target = self.backend = (target_host, target_port)
        self.tls = tls  # terminate TLS here, as a site's HTTPS front end would
        self.profile = profile
        self.stats = LinkStats()
        self._rng = random.Random(seed)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.base_events.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def _run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=30)

    def start(self) -> BadLink:
        self._thread.start()
        self._server = self._run(asyncio.start_server(self._handle, "127.0.0.1", 0, ssl=self.tls))
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        async def shutdown() -> None:
            assert self._server is not None
            self._server.close()
            for writer in list(self._writers):
                writer.transport.abort()
            await self._server.wait_closed()

        self._run(shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> BadLink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def set_profile(self, profile: LinkProfile) -> None:
        """Change the link for new data (e.g. go offline, or come back)."""
        self.profile = profile

    def retarget(self, port: int | None) -> None:
        """New connections go to another port (a captive portal takes over the
        network, say), or back to the real backend with None. Open connections are
        cut, as they would be."""
        self.target = self.backend if port is None else (self.backend[0], port)
        self.cut_all()

    def update(self, **changes: Any) -> None:
        self.profile = replace(self.profile, **changes)

    def cut_all(self) -> None:
        """Drop every open connection at once, as when the signal is lost."""

        def abort() -> None:
            for writer in list(self._writers):
                writer.transport.abort()
            self.stats.cuts += 1

        self._loop.call_soon_threadsafe(abort)

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        if self.profile.offline:
            self.stats.refused += 1
            client_w.transport.abort()
            return
        try:
            server_r, server_w = await asyncio.open_connection(*self.target)
        except OSError:
            client_w.transport.abort()
            return
        self.stats.connections += 1
        index = len(self.stats.per_connection_up)
        self.stats.per_connection_up.append(0)
        budget = [self.profile.cut_after_bytes]
        self._writers |= {client_w, server_w}

        def cut() -> None:
            self.stats.cuts += 1
            client_w.transport.abort()
            server_w.transport.abort()

        async def pump(
            reader: asyncio.StreamReader, writer: asyncio.StreamWriter, up: bool
        ) -> None:
            queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()

            async def deliver() -> None:
                while (item := await queue.get()) is not None:
                    due, data = item
                    if (wait := due - time.monotonic()) > 0:
                        await asyncio.sleep(wait)
                    bps = self.profile.up_bps if up else self.profile.down_bps
                    if bps:
                        await asyncio.sleep(len(data) * 8 / bps)
                    if writer.is_closing():
                        return
                    writer.write(data)
                    await writer.drain()
                    if up:
                        self.stats.bytes_up += len(data)
                        self.stats.per_connection_up[index] += len(data)
                    else:
                        self.stats.bytes_down += len(data)
                if not writer.is_closing() and writer.can_write_eof():
                    writer.write_eof()

            sender = asyncio.create_task(deliver())
            try:
                while data := await reader.read(CHUNK):
                    if budget[0] is not None:
                        if budget[0] <= len(data):
                            data = data[: budget[0]]
                            await queue.put((time.monotonic() + self.profile.latency_s, data))
                            await queue.put(None)
                            await sender
                            cut()
                            return
                        budget[0] -= len(data)
                    chance = self.profile.cut_probability
                    if chance and self._rng.random() < chance:
                        cut()
                        return
                    await queue.put((time.monotonic() + self.profile.latency_s, data))
                await queue.put(None)
                await sender
            except (ConnectionError, OSError):
                cut()
            finally:
                if not sender.done():
                    sender.cancel()

        try:
            await asyncio.gather(
                pump(client_r, server_w, up=True),
                pump(server_r, client_w, up=False),
                return_exceptions=True,
            )
        finally:
            for writer in (client_w, server_w):
                self._writers.discard(writer)
                writer.transport.abort()
