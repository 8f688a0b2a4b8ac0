"""Shared fixtures: keep every test away from the user's data folder and from the network."""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import pytest  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402

# CI replays the same generated examples every run (a red build must be reproducible, not a coin toss);
# locally each run explores new ones.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

from coach.settings import get_settings  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test session writes databases under a temp folder, never under ~/.local/share."""
    home = tmp_path_factory.getbasetemp() / "okr-coach-home"
    monkeypatch.setenv("OKR_COACH_HOME", str(home))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
