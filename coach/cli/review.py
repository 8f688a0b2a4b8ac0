"""`okr-coach review` and `okr-coach eval` (filled in by the core rubric work)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:  # noqa: ARG001
    return None
