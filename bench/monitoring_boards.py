"""The open boards of ``bench_monitoring``, in a process of their own (the load generator's
threads would otherwise slow the readers down): N websockets on one asyncio loop, each
subscribed to every campaign, noting the wall-clock time each ``interaction.queued`` /
``interaction.closed`` first reached it. Prints "ready" once every board is subscribed; on a
line on stdin, writes what it saw to the file named by argv and exits.

argv: port, cookie, campaign ids (comma-separated), boards, output file."""

from __future__ import annotations

import asyncio
import json
import sys
import time

from websockets.asyncio.client import connect

KINDS = ("interaction.queued", "interaction.closed")


async def board(port: int, cookie: str, ids: list[int], seen: dict, counts: list, ready) -> None:  # noqa: ANN001
    async with connect(
        f"ws://127.0.0.1:{port}/ws/events/",
        origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": cookie},
        max_queue=None,
    ) as ws:
        for campaign in ids:
            await ws.send(json.dumps({"subscribe": "campaign", "id": campaign}))
        acks = 0
        while acks < len(ids):
            if json.loads(await ws.recv())["kind"] == "subscribed":
                acks += 1
        ready.release()
        async for raw in ws:
            now = time.time()
            event = json.loads(raw)
            counts[0] += 1
            if event["kind"] in KINDS:
                seen.setdefault(f"{event['kind']} {event['payload']['id']}", now)


async def main() -> None:
    port, cookie, ids, boards, out = (
        int(sys.argv[1]), sys.argv[2], [int(i) for i in sys.argv[3].split(",")],
        int(sys.argv[4]), sys.argv[5],
    )  # fmt: skip
    ready = asyncio.Semaphore(0)
    seen: list[dict] = [{} for _ in range(boards)]
    counts = [[0] for _ in range(boards)]
    tasks = [
        asyncio.create_task(board(port, cookie, ids, seen[i], counts[i], ready))
        for i in range(boards)
    ]
    for _ in range(boards):
        await ready.acquire()
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    for task in tasks:
        task.cancel()
    with open(out, "w") as f:
        json.dump({"seen": seen, "messages": [c[0] for c in counts]}, f)


if __name__ == "__main__":
    asyncio.run(main())
