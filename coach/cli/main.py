"""The `okr-coach` command: each subcommand lives in its own module with a `register(subparsers)`."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time

from coach import __version__
from coach.errors import CoachError

# One module per group of subcommands; each defines register(subparsers).
COMMAND_MODULES = ["review", "examples", "llm", "serve", "keys", "mcp_command", "db"]

# Exit status of a command whose reader went away (`okr-coach ... | head`): 128 + SIGPIPE, as for any Unix tool.
EXIT_BROKEN_PIPE = 141


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="okr-coach", description="Review, draft and improve OKRs.")
    parser.add_argument("--version", action="version", version=f"okr-coach {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(f"coach.cli.{name}").register(sub)
    return parser


def _silence_stdout() -> None:
    """The reader closed the pipe: send what is still buffered to /dev/null so the exit flush cannot fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _database_error_types() -> tuple[type[BaseException], ...]:
    """sqlite errors from both drivers in use (stdlib sqlite3 for the cache, sqlean for the rest)."""
    import sqlite3

    types: list[type[BaseException]] = [sqlite3.DatabaseError]
    try:
        import sqlean

        types.append(sqlean.DatabaseError)
    except ImportError:
        pass
    return tuple(types)


def _os_error_message(exc: OSError) -> str:
    what = exc.strerror or str(exc)
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{what}"


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
        sys.stdout.flush()  # inside the try: a closed pipe is reported here, not at interpreter exit
    except BrokenPipeError:
        _silence_stdout()
        rc = EXIT_BROKEN_PIPE
    except CoachError as exc:
        print(f"error: {exc}", file=sys.stderr)
        rc = 2
    except KeyboardInterrupt:
        rc = 130
    except OSError as exc:
        # The data folder cannot be created or written (a file in the way, read-only, disk full...).
        print(f"error: {_os_error_message(exc)} (OKR_COACH_HOME sets the data folder; it must be a writable "
              "folder)", file=sys.stderr)
        rc = 2
    except _database_error_types() as exc:
        print(f"error: database error: {exc} (the databases live in OKR_COACH_HOME; a damaged or read-only "
              "database file must be repaired, made writable or moved aside)", file=sys.stderr)
        rc = 2
    finally:
        RUNNING = False
    if argv is None:  # a real command line (not a test calling main): see coach.cli.llm.exit_after_model
        from coach.cli.llm import exit_after_model

        exit_after_model(rc)
    return rc


if __name__ == "__main__":
    sys.exit(main())
