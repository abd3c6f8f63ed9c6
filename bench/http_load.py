"""A small HTTP/1.1 load generator for benchmarks (asyncio, keep-alive, 127.0.0.1 only).

- ``closed_loop``: ``concurrency`` connections each send the next request as soon as the last
  one is answered, for ``seconds``: the most the server can do (requests per second).
- ``open_loop``: requests start at a fixed rate whatever the server does (as providers send
  webhooks), ``rate * seconds`` of them at most; each one's latency runs from the instant it was
  due, so a server that falls behind shows it in full (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable

HOST = "127.0.0.1"
TIMEOUT = 10.0


@dataclasses.dataclass
class Result:
    sent: int = 0
    answered: int = 0
    statuses: dict[int, int] = dataclasses.field(default_factory=dict)
    errors: list[str] = dataclasses.field(default_factory=list)
    latencies_ms: list[float] = dataclasses.field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)

    def count(self, status: int) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1


def request_bytes(path: str, body: bytes, content_type: str) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class Connection:
    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, raw: bytes) -> int:
        """Send one request, read the whole answer; its status (reconnects when needed)."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                key, value = line.split(":", 1)
                headers[key.strip().lower()] = value.strip()
        if "content-length" in headers:
            await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _one(connection: Connection, raw: bytes, due: float, result: Result) -> None:
    try:
        status = await asyncio.wait_for(connection.send(raw), TIMEOUT)
        result.count(status)
        result.answered += 1
        result.latencies_ms.append((time.perf_counter() - due) * 1000)
    except Exception as exc:  # a refused, reset or late request is counted, never retried
        connection.close()
        result.errors.append(f"{type(exc).__name__}: {exc}")


def closed_loop(
    port: int, make_request: Callable[[int], bytes], *, concurrency: int, seconds: float
) -> Result:
    async def run() -> Result:
        result = Result()
        counter = iter(range(10**9))
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            connection = Connection(port)
            while time.perf_counter() < deadline:
                raw = make_request(next(counter))
                result.sent += 1
                await _one(connection, raw, time.perf_counter(), result)
            connection.close()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        result.seconds = time.perf_counter() - started
        return result

    return asyncio.run(run())


def open_loop(
    port: int,
    make_request: Callable[[int], bytes],
    *,
    rate: float,
    seconds: float,
    max_connections: int = 200,
) -> Result:
    async def run() -> Result:
        result = Result()
        idle: list[Connection] = []
        opened = 0
        in_flight: set[asyncio.Task] = set()
        total = int(rate * seconds)
        started = time.perf_counter()

        async def fire(raw: bytes, due: float) -> None:
            nonlocal opened
            while not idle and opened >= max_connections:
                await asyncio.sleep(0.001)
            if idle:
                connection = idle.pop()
            else:
                opened += 1
                connection = Connection(port)
            await _one(connection, raw, due, result)
            idle.append(connection)

        for i in range(total):
            due = started + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            result.sent += 1
            task = asyncio.create_task(fire(make_request(i), due))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
        if in_flight:
            await asyncio.wait(in_flight, timeout=TIMEOUT * 3)
        result.seconds = time.perf_counter() - started
        for connection in idle:
            connection.close()
        return result

    return asyncio.run(run())
