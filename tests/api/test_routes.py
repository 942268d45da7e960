"""Where each route runs (api/routes/__init__.py): on the event loop unless it can take long.

A plain ``def`` route or dependency is run by FastAPI in its thread pool; one that answers in
milliseconds must not be, and one that can take long must be (it would stop the process's other
requests meanwhile). tests/api/test_notices.py checks the second half against a real server.
"""

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from api import routes as route_modules
from api.main import operation_id
from conftest import Api

# Reviewed one by one: each can take long (argon2, large scans, PDFs, a mail server, a database
# that does not answer). A new route joins this list only for such a reason.
RUN_IN_THREADS = {
    "issue_token": "verifies a password or client secret (argon2)",
    "create_user": "hashes the initial password",
    "update_user": "may hash a new password",
    "create_api_client": "hashes the client secret",
    "update_api_client": "may hash a new client secret",
    "list_audit_events": "searches the whole audit log",
    "get_meeting_statistics": "counts every meeting of a period",
    "send_meeting_notices": "talks to the mail server",
    "get_meeting_notice_pdf": "draws a PDF",
    "get_statistics_report": "counts a fiscal year",
    "export_statistics_workbook": "counts a fiscal year and writes a workbook",
    "export_statistics_table": "counts a fiscal year and writes a table",
    "get_readiness": "waits for a database that does not answer",
    "get_metrics": "reads the processes' metric files",
}
# Dependencies that may wait on something other than the database's quick statements.
THREADED_DEPENDENCIES = {"limit_token_requests"}  # the shared counters may live in Redis


def _routes(api: Api) -> list[APIRoute]:
    """Every route of every router in api/routes (api.routes.paging has only parameters),
    checked against the operations the app serves."""
    modules = [
        importlib.import_module(f"api.routes.{module.name}")
        for module in pkgutil.iter_modules(route_modules.__path__)
    ]
    routes = [
        route
        for module in modules
        if hasattr(module, "router")
        for route in module.router.routes
        if isinstance(route, APIRoute)
    ]
    served = {
        operation["operationId"]
        for item in api.app.openapi()["paths"].values()
        for operation in item.values()
    }
    assert {operation_id(r) for r in routes if r.include_in_schema} == served
    return routes


def _runs_on_the_loop(call: Callable[..., Any]) -> bool:
    target = call if inspect.isfunction(call) else type(call).__call__
    return inspect.iscoroutinefunction(target) or inspect.isasyncgenfunction(target)


def _dependencies(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _dependencies(sub)


def test_every_route_runs_on_the_event_loop_but_those_that_can_take_long(api: Api) -> None:
    routes = {route.name: route for route in _routes(api)}
    assert set(RUN_IN_THREADS) <= set(routes), "a listed route no longer exists"
    misplaced = {
        name: "thread pool" if name in RUN_IN_THREADS else "event loop"
        for name, route in routes.items()
        if _runs_on_the_loop(route.endpoint) == (name in RUN_IN_THREADS)
    }
    assert misplaced == {}, "these routes should run in the place named"
    assert len(routes) - len(RUN_IN_THREADS) >= 70  # nearly every route is a quick one


def test_the_dependencies_of_a_request_run_on_the_event_loop(api: Api) -> None:
    in_threads = {
        (route.name, getattr(call, "__name__", type(call).__name__))
        for route in _routes(api)
        for call in _dependencies(route.dependant)
        if not _runs_on_the_loop(call)
    }
    assert {name for _, name in in_threads} == THREADED_DEPENDENCIES
    assert {route for route, _ in in_threads} == {"issue_token", "revoke_token"}  # rate-limited
