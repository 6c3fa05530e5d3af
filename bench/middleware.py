"""Reports each request's server time, its number of queries and its slowest SELECT (the
"main" query) in response headers, for ``bench/run``. Used only by ``bench.settings``."""

from __future__ import annotations

import base64
import json
import time

from django.db import connection


class _QueryLog:
    def __init__(self) -> None:
        self.count = 0
        self.total = 0.0
        self.slowest = 0.0
        self.slowest_sql = ""

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            self.count += 1
            self.total += elapsed
            if elapsed > self.slowest and sql.lstrip().upper().startswith(("SELECT", "DECLARE")):
                self.slowest = elapsed
                cursor = context["cursor"]
                self.slowest_sql = connection.ops.last_executed_query(cursor, sql, params)


class ServerTimingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        log = _QueryLog()
        started = time.perf_counter()
        with connection.execute_wrapper(log):
            response = self.get_response(request)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
        elapsed = time.perf_counter() - started
        response["X-Bench-Time"] = f"{elapsed * 1000:.3f}"
        response["X-Bench-Queries"] = str(log.count)
        response["X-Bench-Database-Time"] = f"{log.total * 1000:.3f}"
        response["X-Bench-Main-Query-Time"] = f"{log.slowest * 1000:.3f}"
        response["X-Bench-Main-Query"] = base64.b64encode(
            json.dumps(log.slowest_sql).encode()
        ).decode()
        return response
