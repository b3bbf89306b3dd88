"""`pantau serve` — the web pages and API."""

from __future__ import annotations

from typing import Annotated

import typer

from pantau.cli.app import app, console, friendly, opened


@app.command()
@friendly
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the web pages and the API of the workspace."""
    import uvicorn

    from pantau.web import create_app

    with opened(ctx) as ws:
        console.print(f"Serving {ws.path} on http://{host}:{port}/  (Ctrl+C stops)")
        uvicorn.run(create_app(ws), host=host, port=port, log_level="warning")
