"""Write the contract: ``python -m api.openapi`` renders ``openapi.yaml`` from the app.

  python -m api.openapi            (re)write openapi.yaml at the project root
  python -m api.openapi --check    exit 1 with a short diff when openapi.yaml is out of date

The document is exactly what ``create_app().openapi()`` returns, rendered as YAML (keys in the
app's order, Japanese left readable). Building it opens no database and writes nothing but the
output file: the app gets an in-memory SQLite URL and a throwaway signing secret.
"""

import argparse
import difflib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from api.main import create_app
from api.settings import Environment, Settings

OPENAPI_PATH = Path(__file__).resolve().parent.parent / "openapi.yaml"
MAX_DIFF_LINES = 60

# Only used to construct the app; no token is ever signed while rendering the document.
_RENDER_SECRET = "openapi-render-only-" + "x" * 32


def build_document() -> dict[str, Any]:
    """``create_app(...).openapi()`` for settings that touch neither the disk nor the network."""
    settings = Settings(
        environment=Environment.DEVELOPMENT,
        database_url="sqlite://",
        jwt_algorithm="HS256",
        jwt_secret=_RENDER_SECRET,
        cors_origins=[],
    )
    app = create_app(settings)
    try:
        return app.openapi()
    finally:
        app.state.db.dispose()


class _ContractDumper(yaml.SafeDumper):
    """Plain YAML: no anchors or aliases, multi-line text as literal blocks."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_ContractDumper.add_representer(str, _represent_str)


def render(document: dict[str, Any] | None = None) -> str:
    """The text of ``openapi.yaml``."""
    return yaml.dump(
        build_document() if document is None else document,
        Dumper=_ContractDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
        indent=2,
    )


def diff(current: str, expected: str, path: Path = OPENAPI_PATH) -> list[str]:
    """Unified diff lines from the file on disk to what the app produces."""
    return list(
        difflib.unified_diff(
            current.splitlines(keepends=True),
            expected.splitlines(keepends=True),
            fromfile=f"{path.name} (on disk)",
            tofile=f"{path.name} (from the app)",
            n=2,
        )
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m api.openapi", description="Write or check openapi.yaml."
    )
    parser.add_argument("--check", action="store_true", help="fail if the file is out of date")
    parser.add_argument("--output", type=Path, default=OPENAPI_PATH, help="default: %(default)s")
    args = parser.parse_args(argv)
    path: Path = args.output
    expected = render()
    if args.check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current == expected:
            return 0
        lines = diff(current, expected, path)
        sys.stdout.writelines(lines[:MAX_DIFF_LINES])
        if len(lines) > MAX_DIFF_LINES:
            print(f"... ({len(lines) - MAX_DIFF_LINES} more diff lines)")
        print(f"{path} is out of date: run python -m api.openapi", file=sys.stderr)
        return 1
    path.write_text(expected, encoding="utf-8", newline="\n")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
