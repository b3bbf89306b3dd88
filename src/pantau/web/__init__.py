"""The FastAPI app: pages and JSON API over one workspace."""

from pantau.web.app import create_app

__all__ = ["create_app"]
