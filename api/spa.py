"""Serving the built SPA (``frontend/dist``) from the API, for the embedded default.

The SPA lives under ``/app/`` so that its client-side routes (``/app/cases/12``) never collide with
the API's own paths (``/cases/12``); ``/`` redirects there. Any web server can serve the same
files in production: they are static, and the SPA calls the API on its own origin.

Hashed assets (``/app/assets/index-3f2a….js``) are cached for a year; ``index.html`` is never
cached, so that a new build is picked up at the next page load.
"""

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, RedirectResponse, Response

PREFIX = "/app"
_IMMUTABLE = "public, max-age=31536000, immutable"
_NO_CACHE = "no-cache"


def mount_spa(app: FastAPI, directory: Path) -> None:
    """Adds the SPA's routes when ``directory`` holds a build (an ``index.html``)."""
    root = directory.resolve()
    index = root / "index.html"
    if not index.is_file():
        return

    def serve(path: str) -> Response:
        candidate = (root / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(root):
            immutable = candidate.parent.name == "assets"
            return FileResponse(
                candidate, headers={"Cache-Control": _IMMUTABLE if immutable else _NO_CACHE}
            )
        if path.startswith("assets/"):
            return Response(status_code=404)
        return FileResponse(index, headers={"Cache-Control": _NO_CACHE})

    @app.get("/", include_in_schema=False)
    def spa_root() -> RedirectResponse:
        return RedirectResponse(f"{PREFIX}/", status_code=307)

    @app.get(PREFIX, include_in_schema=False)
    def spa_prefix() -> RedirectResponse:
        return RedirectResponse(f"{PREFIX}/", status_code=307)

    @app.get(PREFIX + "/{path:path}", include_in_schema=False)
    def spa(path: str) -> Response:
        return serve(path)
