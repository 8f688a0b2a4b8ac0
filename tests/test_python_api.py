"""The public Python API (`from coach import review, draft, rewrite, load`): its names, signatures and behaviour
stay stable, and the examples in docs/python.md run as written."""

from __future__ import annotations

import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import typing
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "python.md"
WEAK = ROOT / "tests" / "data" / "integrations" / "weak-okrs.yaml"

PUBLIC = {"review", "draft", "rewrite", "load", "loads", "OKRSet", "Report", "DraftResult", "RewriteResult",
          "CoachError", "InputError"}
# The contract: parameter names and kinds of every public function. Changing them breaks callers.
SIGNATURES = {
    "load": "(path, *, format='auto', settings=None)",
    "loads": "(text, *, format='auto', source='<text>', settings=None)",
    "review": "(okrs, *, profile=None, settings=None)",
    "draft": "(role, *, goal=None, current_values=None, blockers=None, period=None, team=None, n=3, seed=None, "
             "budget_s=None, settings=None, llm=None)",
    "rewrite": "(okrs, objective_index=0, kr_index=None, *, n=3, settings=None, llm=None)",
}


def _bare(sig: inspect.Signature) -> str:
    return str(sig.replace(parameters=[p.replace(annotation=inspect.Parameter.empty) for p in sig.parameters.values()],
                           return_annotation=inspect.Signature.empty))


def test_public_names_signatures_hints_and_docstrings() -> None:
    from coach import (  # noqa: F401  (only the public names)
        CoachError,
        DraftResult,
        InputError,
        OKRSet,
        Report,
        RewriteResult,
        draft,
        load,
        loads,
        review,
        rewrite,
    )
    import coach

    assert set(coach.__all__) == PUBLIC
    for name, expected in SIGNATURES.items():
        fn = getattr(coach, name)
        assert _bare(inspect.signature(fn)) == expected, name
        hints = typing.get_type_hints(fn)  # every annotation resolves
        assert "return" in hints and set(hints) - {"return"} == set(inspect.signature(fn).parameters), name
        assert fn.__doc__ and len(fn.__doc__.split()) > 15, f"{name} needs a docstring"
    assert typing.get_type_hints(review)["return"] is Report
    assert typing.get_type_hints(draft)["return"] is DraftResult
    assert typing.get_type_hints(rewrite)["return"] is RewriteResult
    assert typing.get_type_hints(load)["return"] is OKRSet
    assert issubclass(InputError, CoachError)
    with pytest.raises(AttributeError):
        coach.not_a_public_name  # noqa: B018


def test_import_coach_stays_light() -> None:
    code = ("import sys, coach; heavy = [m for m in ('coach.rubric', 'coach.usecases', 'litellm', 'mcp') "
            "if m in sys.modules]; print(heavy); from coach import review; print('coach.rubric' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:2] == ["[]", "True"]


def test_review_is_the_cli_report() -> None:
    from coach import load, review

    cli = subprocess.run([sys.executable, "-m", "coach.cli.main", "review", str(WEAK), "--format", "json"],
                         capture_output=True, text=True, cwd=ROOT, timeout=60,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert review(load(WEAK)).model_dump(mode="json") == json.loads(cli.stdout)


def test_bad_inputs_raise_input_errors(tmp_path: Path) -> None:
    from coach import InputError, load, loads, review, rewrite

    with pytest.raises(InputError, match="file not found"):
        load(tmp_path / "missing.yaml")
    with pytest.raises(InputError, match="loads"):
        review(str(WEAK))  # a path is not a set: the hint says to load it first
    with pytest.raises(InputError, match="no `objectives`"):
        review({"team": "Support"})
    with pytest.raises(InputError, match="empty"):
        loads("")
    with pytest.raises(InputError, match="string"):
        loads(b"objectives: []")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="out of range"):
        rewrite(load(WEAK), objective_index=0, kr_index=5)


def test_draft_and_rewrite_fall_back_without_a_model() -> None:
    import coach
    from coach import draft, load, rewrite
    from coach.errors import ModelError
    from coach.llm import FakeLLM

    d = draft("Support", goal="Customers trust our help", period="2026-Q4", n=1,
              llm=FakeLLM(ModelError("model is down"), ModelError("model is down")))
    assert d.llm_used is False and "model is down" in d.fallback_reason and d.drafts
    assert all(x.source == "role_library" and x.okrs.period == "2026-Q4" for x in d.drafts)
    r = rewrite(load(WEAK), 0, 0, llm=FakeLLM(ModelError("model is down")))
    # Without the model's choice the rule-keyed proposals are still checked and ranked by the rubric alone.
    assert r.llm_used is False and r.original == "Hold 12 training sessions for agents"
    assert all(c.proposed_score > r.original_score for c in r.candidates)
    assert r.original_score < 100 and r.report == coach.review(coach.load(WEAK))


def test_the_docs_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    """Every ```python block of docs/python.md, in order, in one namespace, in a folder holding okrs.yaml. The
    model is pointed at a closed local port so draft/rewrite take their documented fallback path quickly (the
    real model is exercised by tests/test_mcp.py and tests/test_draft.py)."""
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert len(blocks) >= 5
    shutil.copy(ROOT / "examples" / "enterprise-sales.yaml", tmp_path / "okrs.yaml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OKR_COACH_MODEL", "openai/unreachable")
    monkeypatch.setenv("OKR_COACH_API_BASE", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("OKR_COACH_API_KEY", "none")
    monkeypatch.setenv("OKR_COACH_LLM_MAX_RETRIES", "0")
    monkeypatch.setenv("OKR_COACH_LLM_CACHE", "0")
    from coach.settings import get_settings

    get_settings.cache_clear()
    namespace: dict[str, object] = {}
    for i, block in enumerate(blocks):
        exec(compile(block, f"docs/python.md block {i + 1}", "exec"), namespace)  # noqa: S102
    out = capsys.readouterr().out
    import coach

    assert f"set score {coach.review(coach.load(tmp_path / 'okrs.yaml')).score}/100" in out and "fix:" in out
    assert "rubric-only results:" in out and "role_library" in out
    # the example rewrites "Migrate the records ... to the new CRM": a task becomes the result it should bring
    assert "original (" in out and "Raise adoption of the new CRM from <today's value> to <target>" in out


def test_the_readme_section_covers_every_way_in_and_its_example_runs(capsys: pytest.CaptureFixture,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Use it from other tools", 1)[1].split("\n## ", 1)[0]
    for way in ("**HTTP**", "**MCP**", "**pre-commit and CI**", "**Python**"):
        assert way in section, way
    for ref in ("docs/mcp.md", "docs/ci.md", "docs/python.md"):
        assert (ROOT / ref).exists() and ref in section
    monkeypatch.chdir(ROOT)
    (block,) = re.findall(r"```python\n(.*?)```", section.replace("\n  ", "\n"), re.S)
    exec(compile(block, "README.md", "exec"), {})  # noqa: S102
    import coach

    report = coach.review(coach.load(ROOT / "examples" / "enterprise-sales.yaml"))
    assert capsys.readouterr().out.strip() == f"{report.score} {[f.rule for _, f in report.all_findings()]}"
