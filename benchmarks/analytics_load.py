"""Requests per second and latency of `/v3/displacement/admin2` under concurrent clients, with
the server in its own process, as deployed (`pantau serve`: one uvicorn worker) on loopback.

    python benchmarks/analytics_load.py --workspace DIR --key TOKEN [--database-url URL]
        [--clients 32] [--requests 3000]

The workspace must hold a refreshed operation (benchmarks/analytics.py runs this on its own
workspace with `--clients 32`). A bounded Python load tool: `clients` asyncio tasks, each
sending its next request as soon as the last one is answered, until `requests` are done; two
queries — the whole operation (every round and regency) and one province (rotating) — each
after a warm-up — and, with `--regency`, a query asked for the first time by every request
(one regency and one first round each: no answer kept by the server can serve it). The key is
a pantau API token (`pantau user token`). Prints requests/s, p50, p95 and p99 latency, and
the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

KEY_HEADER = "Ocp-Apim-Subscription-Key"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(workspace: Path, database_url: str | None, port: int,
                 key: str) -> subprocess.Popen[bytes]:
    """`pantau serve` in a new process; returns once it answers."""
    env = dict(os.environ, PANTAU_HOME=str(workspace))
    if database_url:
        env["PANTAU_DATABASE_URL"] = database_url
    pantau = Path(sys.executable).parent / "pantau"
    proc = subprocess.Popen([str(pantau), "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/v3/displacement/operation-list",
                      headers={KEY_HEADER: key},
                      timeout=2).raise_for_status()
            return proc
        except httpx.HTTPError:
            if proc.poll() is not None:
                raise SystemExit(f"pantau serve exited with {proc.returncode}") from None
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit("pantau serve did not answer within 60 s")


async def hammer(base: str, key: str, params: Callable[[int], dict[str, str]], clients: int,
                 requests: int) -> tuple[float, list[float], int]:
    """Wall seconds, per-request latencies (ms) and records in the first answer."""
    latencies: list[float] = []
    counter = iter(range(requests))
    first: list[int] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers={KEY_HEADER: key}, limits=limits,
                                 timeout=60) as client:

        async def worker() -> None:
            for i in counter:
                t = time.perf_counter()
                r = await client.get("/v3/displacement/admin2", params=params(i))
                r.raise_for_status()
                body = r.json()
                latencies.append((time.perf_counter() - t) * 1000)
                if not body.get("isSuccess"):
                    raise SystemExit(f"API error: {body.get('errorMessages')}")
                if not first:
                    first.append(len(body["result"]))

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        return time.perf_counter() - t0, latencies, first[0] if first else 0


def percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def run(workspace: Path, database_url: str | None, operation: str, provinces: list[str],
        key: str, clients: int = 32, requests: int = 3000, regencies: list[str] | None = None,
        rounds: int = 4) -> None:
    port = free_port()
    proc = start_server(workspace, database_url, port, key)
    base = f"http://127.0.0.1:{port}"
    queries: dict[str, Callable[[int], dict[str, str]]] = {
        "whole operation": lambda i: {"Operation": operation},
        "one province": lambda i: {"Operation": operation,
                                   "Admin1Pcode": provinces[i % len(provinces)]},
    }
    if regencies:
        queries["one regency, a query not asked before"] = lambda i: {
            "Operation": operation, "Admin2Pcode": regencies[i % len(regencies)],
            "FromRoundNumber": str(1 + i // len(regencies) % rounds)}
    try:
        for name, params in queries.items():
            n = requests
            if "not asked" in name:  # no warm-up, and each query once
                n = min(requests, len(regencies or ()) * rounds)
            else:
                asyncio.run(hammer(base, key, params, clients, clients * 4))  # warm-up
            wall, lat, records = asyncio.run(hammer(base, key, params, clients, n))
            print(f"/v3/displacement/admin2, {name} ({records:,} records per answer), "
                  f"{clients} client{'s' * (clients != 1)}, {n:,} requests: "
                  f"{n / wall:,.0f} requests/s, "
                  f"p50 {percentile(lat, 50):.0f} ms, p95 {percentile(lat, 95):.0f} ms, "
                  f"p99 {percentile(lat, 99):.0f} ms (load average "
                  f"{', '.join(f'{x:.2f}' for x in os.getloadavg())})")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--key", required=True, help="A pantau API token (pantau user token).")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--operation", default="bench")
    parser.add_argument("--province", action="append", default=None,
                        help="Admin1Pcode of the one-province query (repeatable).")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    run(args.workspace, args.database_url, args.operation, args.province or ["ID11"],
        args.key, args.clients, args.requests)


if __name__ == "__main__":
    main()
