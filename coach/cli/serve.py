"""`okr-coach serve`: the HTTP API and web page on one local port."""

from __future__ import annotations

import argparse


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from coach.api import create_app
    from coach.settings import get_settings

    settings = get_settings()
    app = create_app(settings)
    if getattr(args, "mcp", False):
        from coach.mcp_server import mount_http

        mount_http(app, host=args.host)
    print(f"okr-coach: web page at http://{args.host}:{args.port}/, API docs at http://{args.host}:{args.port}/docs"
          + (f", MCP at http://{args.host}:{args.port}/mcp" if getattr(args, "mcp", False) else ""))
    if not settings.anonymous_critique:
        print("anonymous use is off: callers need an API key (okr-coach keys create --name NAME)")
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, workers=1)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="Run the HTTP API and the web page.",
                       description="Serve the API (docs at /docs) and the web page (at /) with uvicorn.")
    p.add_argument("--host", default="127.0.0.1", help="Interface to listen on (default 127.0.0.1: this machine only).")
    p.add_argument("--port", type=int, default=8000, help="Port (default 8000).")
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    p.add_argument("--mcp", action="store_true", help="also serve MCP (streamable HTTP) at /mcp, behind the same keys")
    p.set_defaults(func=cmd_serve)
