"""`okr-coach serve`: the HTTP API and web page, in one process or several workers."""

from __future__ import annotations

import argparse
import os
import sys

from coach.errors import CoachError


def _prepare(settings, workers: int) -> None:  # noqa: ANN001
    """What must hold before any worker starts: a store that is current and writable, an up-to-date index."""
    from coach.store import open_database

    if workers > 1 and not settings.redis_url:
        raise CoachError(f"--workers {workers} needs OKR_COACH_REDIS_URL: rate limits must be counted in one place "
                         "(each worker would otherwise allow the full rate on its own)",
                         hint="start redis-server and set OKR_COACH_REDIS_URL=redis://127.0.0.1:6379/0, "
                              "or serve with one worker")
    db = open_database(settings.database)  # creates an empty store; refuses a schema that is behind
    db.check_writable("okr-coach serve")   # a read-only or full store is reported now, not on the first save
    if workers > 1:
        _build_index(settings)  # once, here, before the workers start (they find it current and only open it)
    else:
        # One process: the port opens at once; the index is checked (and built if missing or stale) beside it.
        # A draft arriving meanwhile waits for it inside get_index.
        import threading

        threading.Thread(target=_build_index, args=(settings,), name="examples-index", daemon=True).start()


def _build_index(settings) -> None:  # noqa: ANN001
    try:
        from coach.corpus.index import get_index

        idx = get_index(settings)  # under a file lock: processes starting together build it once
        if idx.built:
            print(f"okr-coach: built the examples index ({idx.built['rows']} rows, {idx.built['backend']})",
                  flush=True)
    except CoachError as exc:  # the API still reviews and saves sets without the examples index
        print(f"warning: examples index unavailable: {exc}", file=sys.stderr)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from coach.settings import get_settings
    from coach.store.db import redact

    if args.workers < 1:
        raise CoachError(f"--workers must be at least 1, not {args.workers}")
    settings = get_settings()
    mcp = bool(getattr(args, "mcp", False))
    _prepare(settings, args.workers)
    print(f"okr-coach: web page at http://{args.host}:{args.port}/, API docs at http://{args.host}:{args.port}/docs"
          + (f", MCP at http://{args.host}:{args.port}/mcp" if mcp else ""))
    store = "SQLite" if settings.database.startswith("sqlite") else redact(settings.database)
    print(f"okr-coach: {args.workers} worker(s); store {store}; rate limits "
          f"{'in Redis' if settings.redis_url else 'in memory'}", flush=True)
    if not settings.anonymous_critique:
        print("anonymous use is off: callers need an API key (okr-coach keys create --name NAME)")
    proxy = {"proxy_headers": True, "forwarded_allow_ips": args.forwarded_allow_ips} if args.forwarded_allow_ips \
        else {"proxy_headers": False}
    if args.workers == 1:
        from coach.api import create_app

        app = create_app(settings)
        if mcp:
            from coach.mcp_server import mount_http

            mount_http(app, host=args.host)
        uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, **proxy)
    else:
        from uvicorn.supervisors import Multiprocess

        if mcp:
            os.environ["OKR_COACH_SERVE_MCP_HOST"] = args.host  # each worker mounts /mcp (create_app_from_env)
        config = uvicorn.Config("coach.api.app:create_app_from_env", factory=True, host=args.host, port=args.port,
                                log_level=args.log_level, workers=args.workers, **proxy)
        try:
            Multiprocess(config, sockets=[_tcp_socket(args.host, args.port)]).run()
        except KeyboardInterrupt:
            pass
    return 0


def _tcp_socket(host: str, port: int):  # noqa: ANN202
    """The socket the workers share, made as TCP explicitly (proto IPPROTO_TCP).

    asyncio sets TCP_NODELAY only on connections accepted from such a socket; the one `uvicorn.run(workers=N)`
    makes has proto 0, so with the default event loop every reply whose headers and body go out in two writes
    waits ~40 ms for the client's delayed ACK (measured: a trivial endpoint fell from ~1,300 to ~350 req/s).
    """
    import socket

    try:
        family, _, _, _, addr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)[0]
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
    except OSError as exc:
        raise CoachError(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                         hint="choose another --port, or stop what is using it") from exc
    sock.set_inheritable(True)
    return sock


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="Run the HTTP API and the web page.",
                       description="Serve the API (docs at /docs) and the web page (at /) with uvicorn. "
                                   "Several workers or machines: see docs/deploy.md.")
    p.add_argument("--host", default="127.0.0.1", help="Interface to listen on (default 127.0.0.1: this machine only).")
    p.add_argument("--port", type=int, default=8000, help="Port (default 8000).")
    p.add_argument("--workers", type=int, default=1,
                   help="Worker processes (default 1). More than one needs OKR_COACH_REDIS_URL for shared rate limits.")
    p.add_argument("--forwarded-allow-ips", default=None, metavar="IPS",
                   help="Behind a load balancer: its addresses (comma-separated), so that X-Forwarded-For gives "
                        "the client address used for anonymous rate limits.")
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    p.add_argument("--mcp", action="store_true", help="also serve MCP (streamable HTTP) at /mcp, behind the same keys")
    p.set_defaults(func=cmd_serve)
