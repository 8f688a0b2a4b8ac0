"""`okr-coach mcp`: okr-coach as a Model Context Protocol server (stdio, or streamable HTTP beside the API)."""

from __future__ import annotations

import argparse


def cmd_mcp(args: argparse.Namespace) -> int:
    try:
        import mcp  # noqa: F401
    except ImportError:
        from coach.errors import CoachError

        raise CoachError("the MCP server needs the `mcp` package",
                         hint='install it with: pip install -e ".[mcp]" (scripts/setup.sh does)') from None
    if args.transport == "stdio":
        from coach.mcp_server import run_stdio

        run_stdio()
        return 0
    from coach.cli.serve import cmd_serve

    args.mcp = True
    return cmd_serve(args)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "mcp", help="run okr-coach as an MCP server for AI assistants (stdio by default)",
        description="Serve the tools review_okrs, explain_rule, draft_okrs, rewrite and find_examples, and the rubric "
                    "and role library as resources, over the Model Context Protocol. stdio (default): an assistant "
                    "spawns `okr-coach mcp`. --transport http: the HTTP API with MCP at /mcp, behind the same API "
                    "keys (the same as `okr-coach serve --mcp`).")
    p.add_argument("--transport", choices=["stdio", "http"], default="stdio",
                   help="stdio (default) or http (streamable HTTP at /mcp beside the API)")
    p.add_argument("--host", default="127.0.0.1", help="with --transport http: interface (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="with --transport http: port (default 8000)")
    p.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"])
    p.set_defaults(func=cmd_mcp)
