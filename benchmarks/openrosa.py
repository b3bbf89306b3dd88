"""OpenRosa receiver under load: 50 ODK Collect-like clients against a real `pantau serve`.

    python benchmarks/openrosa.py [--clients 50] [--submissions 3000] [--seed 7]
                                  [--postgres URL | --no-postgres] [--profile DIR]

For each store (SQLite; PostgreSQL in a scratch database, created and dropped, when reachable):
a fresh workspace with the shipped SA form (`dtm_sa.xlsx`) is served by `pantau serve` in its
own process; a second process runs the clients (asyncio), each with its own keep-alive
connection as a device has: HEAD and formList once (httpx), then POSTs of site assessments
(plain HTTP/1.1 written on the socket: httpx would spend more CPU than the server on this
shared machine, and real devices do not share the server's cores) built from
the form's own XForm instance (every field answered as Collect writes it), multipart as Collect
sends it. Some carry a photo; after an answer some are re-sent identically (Collect retrying:
must be 202), some re-sent with other answers under the same instanceID (must be 409), and some
are sent twice at once by two clients (one 201, one 202, in either order).

Prints POSTs/s and new submissions/s, p50/p95 latency and the server's CPU time per POST, with
ODK Central's published figure and pantau's goal; then checks through the store that every
distinct submission is stored exactly once, with its original XML and its photo, nothing in the
quarantine, and every status as expected. `--profile DIR` runs the server under py-spy when it
is installed (`pip install py-spy`; `--gil`: samples of whichever thread holds the GIL, i.e.
where the server's CPU goes, as collapsed stacks in DIR/<store>.txt), else under cProfile
(main thread only, so not the writer); a profiled run is slower than a normal one.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import multiprocessing
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

import httpx

from pantau.config import Settings
from pantau.forms.library import path_of
from pantau.workspace import Workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.scratch import scratch_database  # noqa: E402

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
OP = "idn-palu"
DEVICE = ("bench-device", "bench device password")  # a collector account, HTTP Basic as Collect
BASIC = "Basic " + base64.b64encode(":".join(DEVICE).encode()).decode()
CENTRAL = 41.0  # submissions/s, ODK Central's published figure (250-question form, 2 GB machine)
GOAL = 10 * CENTRAL
XF = "{http://www.w3.org/2002/xforms}"
JR = "{http://openrosa.org/javarosa}"


@dataclass
class Job:
    """One POST. `kind`: new | resend (identical, after the answer) | conflict (other answers,
    after the answer) | race (sent at the same moment as its twin)."""

    kind: str
    instance_id: str
    body: bytes
    content_type: str
    follow_ups: list[Job] = field(default_factory=list)


@dataclass(frozen=True)
class Expected:
    raw_sha256: str
    photo: tuple[str, str] | None  # (name, sha256)


# ---- the workload: what Collect sends -----------------------------------------------------

def _template(xform: str) -> ET.Element:
    """The primary instance as Collect fills it: no namespace, templates dropped."""
    model_instance = ET.fromstring(xform).find(f".//{XF}model/{XF}instance")
    assert model_instance is not None
    root = model_instance[0]
    for el in root.iter():
        el.tag = el.tag.rsplit("}", 1)[-1]
        for child in list(el):
            if child.get(f"{JR}template") is not None:
                el.remove(child)
    return root


def _answer(f: dict, rng: random.Random) -> str | None:  # type: ignore[type-arg]
    kind, path = f["type"], f["path"]
    names = [c["name"] for c in f.get("choices") or []]
    stamp = f"2018-10-{rng.randint(1, 28):02d}"
    if kind in ("start", "end"):
        return f"{stamp}T{rng.randint(7, 17):02d}:{rng.randint(0, 59):02d}:00.000+08:00"
    if kind in ("today", "date"):
        return stamp
    if kind == "integer":
        return str(rng.randint(0, 900))
    if kind == "select_one" and names:
        return rng.choice(names)
    if kind == "select_multiple" and names:
        return " ".join(rng.sample(names, rng.randint(1, min(3, len(names)))))
    if kind == "geopoint":
        return f"{-0.9 + rng.random() / 10:.6f} {119.85 + rng.random() / 10:.6f} 12.0 4.5"
    if kind == "text":
        if "pcode" in path:
            return "ID72" + "".join(str(rng.randint(0, 9)) for _ in range(2 * path.count("adm")))
        if path.endswith("site_id"):
            return f"ST-{rng.randint(1, 9999):04d}"
        return rng.choice(["Posko Balaroa", "Lapangan Vatulemo", "Masjid Agung", "tidak ada"])
    return None


def submission_xml(template: ET.Element, fields: list[dict], instance_id: str,  # type: ignore[type-arg]
                   rng: random.Random) -> bytes:
    root = _template_copy(template)
    answers = {f["path"]: _answer(f, rng) for f in fields}

    def fill(el: ET.Element, prefix: str) -> None:
        for child in el:
            path = f"{prefix}{child.tag}"
            if path == "meta":
                for m in child:
                    if m.tag == "instanceID":
                        m.text = instance_id
            elif len(child):
                fill(child, path + "/")
            else:
                child.text = answers.get(path)

    fill(root, "")
    root.set("xmlns:jr", "http://openrosa.org/javarosa")
    root.set("xmlns:orx", "http://openrosa.org/xforms")
    return b"<?xml version='1.0' ?>" + ET.tostring(root)


def _template_copy(el: ET.Element) -> ET.Element:
    return ET.fromstring(ET.tostring(el))


def multipart(xml: bytes, photo: tuple[str, bytes] | None) -> tuple[bytes, str]:
    """The body and Content-Type ODK Collect sends (xml_submission_file first, then media)."""
    boundary = uuid.uuid4().hex
    parts = [("xml_submission_file", "submission.xml", "text/xml", xml)]
    if photo:
        parts.append((photo[0], photo[0], "image/jpeg", photo[1]))
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{fname}"'
        f"\r\nContent-Type: {ctype}\r\n\r\n".encode() + content + b"\r\n"
        for name, fname, ctype, content in parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def workload(ws: Workspace, n: int, seed: int) -> tuple[list[Job], dict[str, Expected]]:
    """n distinct submissions: 20% with a photo, 10% re-sent, 5% conflicting, 3% racing."""
    rng = random.Random(seed)
    [info] = ws.forms.list(OP)
    from pantau.forms.store import current_version, get_form

    with ws.session() as s:
        fields = list(current_version(s, get_form(s, OP, info.form_id)).fields)
    template = _template(ws.forms.xform(OP, info.form_id))
    jobs: list[Job] = []
    expected: dict[str, Expected] = {}
    for _ in range(n):
        iid = f"uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}"
        xml = submission_xml(template, fields, iid, rng)
        photo = None
        if rng.random() < 0.20:
            content = b"\xff\xd8\xff\xe0" + rng.randbytes(rng.randint(20_000, 60_000))
            photo = (f"{1538900000000 + rng.randint(0, 10**9)}.jpg", content)
        body, ctype = multipart(xml, photo)
        expected[iid] = Expected(hashlib.sha256(xml).hexdigest(),
                                 (photo[0], hashlib.sha256(photo[1]).hexdigest()) if photo
                                 else None)
        job = Job("new", iid, body, ctype)
        roll = rng.random()
        if roll < 0.03:
            jobs.append(Job("race", iid, body, ctype))
        elif roll < 0.13:
            job.follow_ups.append(Job("resend", iid, *multipart(xml, photo)))
        elif roll < 0.18:
            other = submission_xml(template, fields, iid, rng)
            job.follow_ups.append(Job("conflict", iid, *multipart(other, None)))
        jobs.append(job)
    return jobs, expected


# ---- the clients (their own process) ------------------------------------------------------

def run_clients(base: str, jobs: list[Job], clients: int,
                out: multiprocessing.queues.Queue) -> None:  # type: ignore[name-defined]
    out.put(asyncio.run(_clients(base, jobs, clients)))


async def _clients(base: str, jobs: list[Job], clients: int) -> dict:  # type: ignore[type-arg]
    queue: asyncio.Queue[Job] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    results: list[tuple[str, str, int, float]] = []
    host, port = base.removeprefix("http://").split(":")
    path = f"/openrosa/{OP}/submission"

    async def device() -> None:
        async with httpx.AsyncClient(base_url=base, auth=DEVICE) as client:  # Collect's first asks
            assert (await client.head(path)).status_code == 204
            assert (await client.get(f"/openrosa/{OP}/formList")).status_code == 200
        reader, writer = await asyncio.open_connection(host, int(port))
        await ready.wait()
        try:
            while True:
                job = await queue.get()
                t = time.perf_counter()
                writer.write(f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                             f"Authorization: {BASIC}\r\n"
                             f"Content-Type: {job.content_type}\r\nX-OpenRosa-Version: 1.0"
                             f"\r\nContent-Length: {len(job.body)}\r\n\r\n".encode()
                             + job.body)
                status = await _response(reader)
                results.append((job.kind, job.instance_id, status, time.perf_counter() - t))
                for follow in job.follow_ups:  # later, from whichever device is free
                    queue.put_nowait(follow)
                queue.task_done()
        finally:
            writer.close()

    ready = asyncio.Event()
    tasks = [asyncio.create_task(device()) for _ in range(clients)]
    await asyncio.sleep(2.0)  # every device has said HEAD, fetched the list and connected
    cpu = time.process_time()
    start = time.perf_counter()
    ready.set()
    await queue.join()
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {"results": results, "wall": wall, "client_cpu": cpu}


async def _response(reader: asyncio.StreamReader) -> int:
    """The status of one HTTP/1.1 response; its body read (and dropped) by Content-Length."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(int(v) for k, _, v in (h.partition(":") for h in lines[1:])
                  if k.lower() == "content-length")
    await reader.readexactly(length)
    return int(lines[0].split()[1])


# ---- the server (its own process) ---------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(settings: Settings, port: int, profile: Path | None,
                 label: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PANTAU_HOME": str(settings.workspace),
           "PANTAU_DATABASE_URL": settings.database_url}
    serve = ["-c", "from pantau.cli import main; main()", "serve", "--port", str(port)]
    cmd = [sys.executable, *serve]
    if profile is not None:
        spy = shutil.which("py-spy")
        if spy:
            # --gil: only the thread holding the GIL, i.e. where the server's CPU goes
            cmd = [spy, "record", "--format", "raw", "--rate", "250", "--gil", "--nonblocking",
                   "-o", str(profile / f"{label}.txt"), "--", *cmd]
        else:
            cmd = [sys.executable, "-m", "cProfile", "-o", str(profile / f"{label}.prof"),
                   *serve]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
    for _ in range(600):
        try:
            if httpx.head(f"http://127.0.0.1:{port}/openrosa/{OP}/submission",
                          auth=DEVICE).status_code == 204:
                return proc
        except httpx.TransportError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("the server did not start")


def server_cpu(pid: int) -> float:
    """User + system seconds of the server (all its threads), from /proc; under py-spy, of
    the server py-spy started."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        if "(py-spy)" in stat:
            child = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()[0]
            stat = Path(f"/proc/{child}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# ---- one store ----------------------------------------------------------------------------

def run(label: str, settings: Settings, args: argparse.Namespace) -> None:
    ws = Workspace.init(settings)
    try:
        ws.operations.create(OP, "IDN", "Palu earthquake and tsunami", avg_household_size=4.5)
        ws.forms.import_xlsform(OP, path_of("dtm_sa.xlsx"))
        ws.access.add_user(DEVICE[0], DEVICE[1], by="benchmark")  # devices log in as Collect does
        ws.access.grant(DEVICE[0], OP, "collector", by="benchmark")
        jobs, expected = workload(ws, args.submissions, args.seed)
        port = free_port()
        proc = start_server(settings, port, args.profile, label)
        try:
            cpu0 = server_cpu(proc.pid)
            ctx = multiprocessing.get_context("spawn")
            out = ctx.Queue()
            client = ctx.Process(target=run_clients,
                                 args=(f"http://127.0.0.1:{port}", jobs, args.clients, out))
            client.start()
            got = out.get()
            client.join()
            cpu = server_cpu(proc.pid) - cpu0
        finally:
            stop_server(proc)
        report(label, got, cpu, args)
        verify(ws, got["results"], expected)
    finally:
        ws.close()


def report(label: str, got: dict, server_cpu_s: float,  # type: ignore[type-arg]
           args: argparse.Namespace) -> None:
    results, wall = got["results"], got["wall"]
    lat = sorted(r[3] for r in results)
    kinds = Counter(r[0] for r in results)
    rate = len(results) / wall
    new = sum(1 for r in results if r[2] == 201) / wall
    p50 = statistics.median(lat) * 1000
    p95 = lat[int(len(lat) * 0.95)] * 1000
    print(f"{label}: {len(results)} POSTs ({dict(kinds)}) from {args.clients} clients "
          f"in {wall:.2f} s")
    print(f"{label}: {rate:,.0f} POSTs/s, {new:,.0f} new submissions/s; latency p50 "
          f"{p50:.0f} ms, p95 {p95:.0f} ms; server CPU {server_cpu_s / len(results) * 1000:.2f} "
          f"ms/POST, client CPU {got['client_cpu'] / len(results) * 1000:.2f} ms/POST; "
          f"{rate / CENTRAL:.1f}× Central's {CENTRAL:.0f}/s, goal {GOAL:.0f}/s "
          f"{'met' if rate >= GOAL else 'NOT met'}")


def verify(ws: Workspace, results: list[tuple[str, str, int, float]],
           expected: dict[str, Expected]) -> None:
    """Through the store: every distinct submission once, as first sent; statuses right."""
    from sqlalchemy import func, select

    from pantau.store.models import Attachment, Quarantine, Submission, SubmissionVersion

    with ws.session() as s:
        rows = s.execute(
            select(Submission.instance_id, SubmissionVersion.raw_sha256,
                   func.count(Attachment.id), func.min(Attachment.name),
                   func.min(Attachment.sha256))
            .join(SubmissionVersion, SubmissionVersion.submission_id == Submission.id)
            .outerjoin(Attachment, Attachment.version_id == SubmissionVersion.id)
            .group_by(Submission.instance_id, SubmissionVersion.id,
                      SubmissionVersion.raw_sha256)).all()
        quarantined = s.scalar(select(func.count(Quarantine.id)))
    stored = Counter(r[0] for r in rows)
    lost = sorted(set(expected) - set(stored))
    doubled = sorted(i for i, c in stored.items() if c > 1)
    unexpected = sorted(set(stored) - set(expected))
    wrong_data = [r[0] for r in rows if r[0] in expected and (
        r[1] != expected[r[0]].raw_sha256
        or (r[2], (r[3], r[4]) if r[2] else None) != (1 if expected[r[0]].photo else 0,
                                                      expected[r[0]].photo))]
    wrong_status = []
    by_id: dict[str, list[tuple[str, int]]] = {}
    for kind, iid, status, _ in results:
        by_id.setdefault(iid, []).append((kind, status))
    want = {"new": 201, "resend": 202, "conflict": 409}
    for iid, got in by_id.items():
        if any(k == "race" for k, _ in got):
            if sorted(st for _, st in got) != [201, 202]:
                wrong_status.append(iid)
        elif any(want[k] != st for k, st in got):
            wrong_status.append(iid)
    ok = not (lost or doubled or unexpected or wrong_data or wrong_status or quarantined)
    print(f"  check: {len(expected)} distinct sent, {len(stored)} stored; lost {len(lost)}, "
          f"duplicated {len(doubled)}, unexpected {len(unexpected)}, wrong XML or photo "
          f"{len(wrong_data)}, wrong status {len(wrong_status)}, quarantined {quarantined} "
          f"→ {'OK' if ok else 'FAILED'}")
    if not ok:
        codes = Counter((k, st) for k, _, st, _ in results)
        print(f"  statuses by kind: {dict(codes)}")
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--submissions", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres", default=PG_URL)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args()
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    print(f"# {time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} cores "
          f"(load average {os.getloadavg()[0]:.1f} before the run), Python "
          f"{platform.python_version()}; shipped SA form (dtm_sa.xlsx, 39 fields); "
          f"baseline: ODK Central {CENTRAL:.0f} submissions/s (250-question form, 2 GB); "
          f"goal {GOAL:.0f}/s")
    with tempfile.TemporaryDirectory() as tmp:
        if not args.no_sqlite:
            folder = Path(tmp) / "sqlite"
            run("SQLite", Settings.load(workspace=folder,
                                        database_url=f"sqlite:///{folder / 'pantau.db'}"), args)
        if not args.no_postgres:
            with scratch_database(args.postgres, "openrosa") as url:
                if url is None:
                    return
                run("PostgreSQL", Settings.load(workspace=Path(tmp) / "pg", database_url=url),
                    args)

if __name__ == "__main__":
    main()
