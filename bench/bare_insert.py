"""The bare baseline of the payments benchmark: the least an HTTP write through this stack can cost.

A Sanic app with one route, ``POST /insert``, that parses the JSON body and inserts it into the same
store with the same driver as the hub (one round trip), then answers 201. No authentication, no
idempotency, no ledger: what is left of a payment's time beyond this is the project's own work.

    python bench/bare_insert.py --port P --mongo-url URL   # bench/payments.py starts it itself
"""

from __future__ import annotations

import argparse
import uuid
from typing import Any

from pymongo import AsyncMongoClient
from sanic import Request, Sanic, json
from sanic.response import HTTPResponse


def build(mongo_url: str) -> Sanic[Any, Any]:
    app: Sanic[Any, Any] = Sanic(f"bare_insert_{uuid.uuid4().hex[:6]}")
    app.config.ACCESS_LOG = False

    @app.before_server_start
    async def _open(app: Sanic[Any, Any]) -> None:
        app.ctx.client = AsyncMongoClient(mongo_url)
        app.ctx.rows = app.ctx.client["bench_bare"]["rows"]

    @app.after_server_stop
    async def _close(app: Sanic[Any, Any]) -> None:
        await app.ctx.client.close()

    @app.get("/healthz")
    async def healthz(request: Request) -> HTTPResponse:
        return json({"ok": True})

    @app.post("/insert")
    async def insert(request: Request) -> HTTPResponse:
        row = dict(request.json or {})
        await request.app.ctx.rows.insert_one(row)
        return json({"id": str(row["_id"])}, status=201)

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mongo-url", required=True)
    args = parser.parse_args()
    build(args.mongo_url).run(host="127.0.0.1", port=args.port, single_process=True, access_log=False)


if __name__ == "__main__":
    main()
