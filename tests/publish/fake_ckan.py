"""A local stand-in for HDX's CKAN action API (`/api/3/action/…`), answering with the JSON
shapes CKAN returns: enough for hdx-python-api to create or update a dataset and upload its
files. It records every call (action, API key, fields, uploaded file names)."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

VOCABULARY_ID = "b891512e-9516-4bf5-962a-7a289772a2a1"
APPROVED = ("displacement", "hxl", "internally displaced persons-idp", "conflict-violence")


@dataclass
class Call:
    action: str
    key: str | None
    data: dict[str, Any]
    files: list[str] = field(default_factory=list)


@dataclass
class Fake:
    url: str = ""
    calls: list[Call] = field(default_factory=list)
    packages: dict[str, dict[str, Any]] = field(default_factory=dict)

    def actions(self) -> list[str]:
        return [c.action for c in self.calls]


def _package(fake: Fake, data: dict[str, Any], existing: dict[str, Any] | None
             ) -> dict[str, Any]:
    pkg = {**(existing or {}), **data}
    pkg.setdefault("id", str(uuid.uuid4()))
    pkg["resources"] = [{**r, "id": r.get("id") or str(uuid.uuid4()), "package_id": pkg["id"],
                         "url": f"{fake.url}/dataset/{pkg['id']}/resource/x/{r['name']}"}
                        for r in data.get("resources", pkg.get("resources", []))]
    pkg["tags"] = [{**t, "id": str(uuid.uuid4()), "display_name": t["name"]}
                   for t in pkg.get("tags", [])]
    fake.packages[pkg["name"]] = pkg
    return pkg


def _answer(fake: Fake, action: str, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    ok = {"help": f"{fake.url}/api/3/action/help_show?name={action}", "success": True}
    if action == "vocabulary_show":
        return 200, ok | {"result": {"id": VOCABULARY_ID, "name": "Topics", "tags": [
            {"id": str(uuid.uuid4()), "name": t, "display_name": t,
             "vocabulary_id": VOCABULARY_ID} for t in APPROVED]}}
    if action == "package_show":
        pkg = fake.packages.get(data.get("id", ""))
        if pkg is None:
            return 404, {"help": ok["help"], "success": False,
                         "error": {"__type": "Not Found Error", "message": "Not found"}}
        return 200, ok | {"result": pkg}
    if action in ("package_create", "package_update"):
        return 200, ok | {"result": _package(fake, data, fake.packages.get(data["name"]))}
    if action == "package_revise":
        match = json.loads(data.get("match", "{}"))
        name = match.get("name") or next(
            (n for n, p in fake.packages.items() if p["id"] == match.get("id")), "")
        update = json.loads(data.get("update", "{}"))
        pkg = _package(fake, {"name": name, **update}, fake.packages.get(name))
        return 200, ok | {"result": {"package": pkg}}
    if action in ("resource_create", "resource_update"):
        return 200, ok | {"result": {**data, "id": data.get("id") or str(uuid.uuid4())}}
    if action in ("package_create_default_resource_views", "resource_view_list"):
        return 200, ok | {"result": []}
    return 400, {"success": False, "error": {"__type": "Bad Request", "message": action}}


@contextmanager
def fake_ckan() -> Iterator[Fake]:
    fake = Fake()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def _handle(self) -> None:
            action = self.path.split("?")[0].rsplit("/", 1)[-1]
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            ctype = self.headers.get("Content-Type", "")
            data: dict[str, Any] = {}
            files: list[str] = []
            if ctype.startswith("multipart/form-data"):
                import email.parser
                import email.policy

                msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                    f"Content-Type: {ctype}\r\n\r\n".encode() + body)
                for part in msg.iter_parts():
                    name = part.get_param("name", header="content-disposition")
                    if part.get_filename():
                        files.append(part.get_filename())
                    else:
                        data[name] = part.get_content()
            elif body:
                data = json.loads(body)
            if "?" in self.path:
                from urllib.parse import parse_qsl

                data |= dict(parse_qsl(self.path.split("?", 1)[1]))
            fake.calls.append(Call(action, self.headers.get("Authorization")
                                   or self.headers.get("X-CKAN-API-Key"), data, files))
            status, answer = _answer(fake, action, data)
            out = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        do_GET = do_POST = _handle

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
