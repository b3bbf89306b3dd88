"""Per-request cost of authentication and permission checks, against the same route without.

    python benchmarks/auth.py [--requests 5000] [--postgres URL]

One route (`GET /bench/{operation}`, a small JSON answer) is called in-process, straight
through ASGI (no sockets, so the network does not drown the difference), one request after
another, in four set-ups measured in the same run:

  baseline   a bare FastAPI app with the same handler: no middleware, no check
  anonymous  pantau's app, no credentials (the operation is public): middleware (headers,
             deny-by-default, body cap) + `allow("aggregates:read")` for the anonymous
  token      pantau's app, `Authorization: Bearer …`: the token's principal from the
             per-process cache (CACHE_SECONDS), then the permission check
  token, no cache  the same with the cache off: one look-up of the token and the user's
             roles in the store per request (SQLite, and PostgreSQL when a server answers)

Prints p50 and p99 latency per set-up and the overhead over the baseline at p50 (goal: under
1 ms). The machine may be shared: run it twice and compare.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.scratch import scratch_database  # noqa: E402
from fastapi import APIRouter, FastAPI  # noqa: E402

from pantau.config import Settings  # noqa: E402
from pantau.web import create_app  # noqa: E402
from pantau.web.access import allow  # noqa: E402
from pantau.workspace import Workspace  # noqa: E402

OP = "bench-op"


def handler(operation: str) -> dict[str, Any]:
    return {"operation": operation, "figures": [1, 2, 3]}


async def call(app: Any, path: str, headers: list[tuple[bytes, bytes]]) -> int:
    """One GET through the ASGI interface; the status code."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
             "root_path": "", "query_string": b"", "headers": headers,
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000), "state": {}}
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def measure(app: Any, headers: list[tuple[bytes, bytes]], n: int) -> list[float]:
    path = f"/bench/{OP}"
    for _ in range(200):  # warm-up: imports, caches, the first connection
        assert await call(app, path, headers) == 200
    times = []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        status = await call(app, path, headers)
        times.append((time.perf_counter_ns() - t0) / 1e6)
        assert status == 200, status
    return times


def pct(times: list[float], q: float) -> float:
    return statistics.quantiles(times, n=100)[int(q) - 1]


def workspace(folder: Path, url: str | None) -> tuple[Workspace, str]:
    settings = Settings.load(workspace=folder, database_url=url)
    ws = Workspace.init(settings)
    ws.operations.create(OP, "IDN", "Benchmark operation")
    ws.access.set_public(OP, True, by="benchmark")
    ws.access.add_user("bench-viewer", "benchmark password", by="benchmark")
    ws.access.grant("bench-viewer", OP, "viewer", by="benchmark")
    token, _ = ws.access.create_token("bench-viewer", "bench", ["aggregates:read"])
    return ws, token


def pantau_app(ws: Workspace) -> FastAPI:
    app = create_app(ws)
    router = APIRouter()
    router.add_api_route("/bench/{operation}", handler, methods=["GET"],
                         dependencies=[allow("aggregates:read")])
    # first in the table, as in the bare app: both pay the same routing, only access differs
    app.router.routes.insert(0, router.routes[0])
    return app


async def run(store: str, ws: Workspace, token: str, n: int) -> None:
    bare = FastAPI()
    bare.add_api_route("/bench/{operation}", handler, methods=["GET"])
    app = pantau_app(ws)
    bearer = [(b"authorization", f"Bearer {token}".encode())]
    rows = [("baseline (no access control)", await measure(bare, [], n)),
            ("anonymous, public operation", await measure(app, [], n)),
            ("API token (cached principal)", await measure(app, bearer, n))]
    ws.access.cache_seconds = 0.0  # every request looks the token up in the store
    ws.access._cache.clear()
    rows.append(("API token, no cache (store look-up)", await measure(app, bearer, n)))
    base = statistics.median(rows[0][1])
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n{store}: {n:,} sequential requests per set-up (load average {load})")
    print(f"{'set-up':38} {'p50 ms':>8} {'p99 ms':>8} {'overhead p50':>13}")
    for label, times in rows:
        p50 = statistics.median(times)
        print(f"{label:38} {p50:8.3f} {pct(times, 99):8.3f} {p50 - base:+12.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--postgres", default=None,
                        help="any database URL on the PostgreSQL server to measure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ws, token = workspace(Path(tmp) / "sqlite", None)
        asyncio.run(run("SQLite", ws, token, args.requests))
        ws.close()
        with scratch_database(args.postgres, "auth") as url:
            if url is not None:
                ws, token = workspace(Path(tmp) / "pg", url)
                asyncio.run(run("PostgreSQL", ws, token, args.requests))
                ws.close()


if __name__ == "__main__":
    main()
