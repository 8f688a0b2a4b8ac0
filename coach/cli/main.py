"""The `okr-coach` command: each subcommand lives in its own module with a `register(subparsers)`."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time

from coach.errors import CoachError

# One module per group of subcommands; each defines register(subparsers).
COMMAND_MODULES = ["review", "examples", "llm", "serve", "keys"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="okr-coach", description="Review, draft and improve OKRs.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(f"coach.cli.{name}").register(sub)
    return parser


# When the command started: time budgets (draft, review --coach) count from here, imports included.
STARTED = time.monotonic()
RUNNING = False  # True while main() runs a command (budgets count from STARTED only then)


def main(argv: list[str] | None = None) -> int:
    global STARTED, RUNNING
    if argv is not None:  # called from code (tests): the command starts now, not when this module was imported
        STARTED = time.monotonic()
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    words = sys.argv[1:] if argv is None else argv
    if words[:1] == ["draft"] or "--coach" in words:
        from coach.cli.llm import prefetch

        prefetch()  # litellm takes seconds to import: start before the command modules load
    parser = build_parser()
    args = parser.parse_args(argv)
    RUNNING = True
    try:
        rc = int(args.func(args) or 0)
    except CoachError as exc:
        print(f"error: {exc}", file=sys.stderr)
        rc = 2
    except KeyboardInterrupt:
        rc = 130
    finally:
        RUNNING = False
    if argv is None:  # a real command line (not a test calling main): see coach.cli.llm.exit_after_model
        from coach.cli.llm import exit_after_model

        exit_after_model(rc)
    return rc


if __name__ == "__main__":
    sys.exit(main())
