"""The HTTP routes, thin: each parses its request, calls one service function and shapes the answer.

Where a route runs. A route that answers in milliseconds (the database's statements and a little
Python: nearly all of them) is ``async def`` and calls its service directly, on the event loop:
each server process serves one such request at a time, as a synchronous worker would, and the
server runs one process per core (``serve --workers``). FastAPI's usual way, a plain ``def`` run
in its thread pool, hands every request to a thread and back four or five times (the session,
the principal, the route, its answer's validation, the commit), and the threads then take turns
at Python's interpreter lock: at concurrency 16 on two cores that cost between a fifth and
nearly half of the throughput, and a third of the 95th-percentile latency (docs/benchmarks.md,
"Where a request runs").

A route that can take long stays a plain ``def``, so that FastAPI runs it in its thread pool and
the process keeps serving the others meanwhile: hashing a password (argon2, hundreds of
milliseconds), the statistics and their downloads, the meeting statistics and the audit log's
search (large scans), a notice's PDF and its e-mail (a mail server may be slow), the readiness
probe (waits for a database that does not answer). tests/api/test_routes.py holds the list and
fails when a route is neither ``async def`` nor on it.
"""
