"""The pre-commit hook, run by pre-commit itself on a throwaway git repository.

Normal use points pre-commit at this repository (`repo: https://...`, `language: python`): pre-commit clones it
and pip-installs it into its own environment, which needs PyPI. The default test works offline: it writes a
`repo: local` hook copied from our `.pre-commit-hooks.yaml` (same id, entry arguments, `files:` pattern and types)
whose entry is this checkout's `okr-coach` (`language: system`). The real install path (`pre-commit try-repo` on
this checkout, `language: python`) runs when OKR_COACH_TEST_PRECOMMIT_INSTALL=1 (it downloads the dependencies).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytest.importorskip("pre_commit")

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "integrations"
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
THRESHOLD = int(re.search(r"--fail-under[ =](\d+)", HOOKS[0]["entry"]).group(1))


def weak_report() -> tuple[int, set[str]]:
    """The weak file's score and broken rules, as the rubric sees them today."""
    import coach

    report = coach.review(coach.load(DATA / "weak-okrs.yaml"))
    assert report.score < THRESHOLD, "the weak test file must score under the hook's threshold"
    assert coach.review(coach.load(DATA / "weak-okrs-fixed.yaml")).score >= THRESHOLD
    return report.score, {f.rule for _, f in report.all_findings()}


def okr_coach_cmd() -> str:
    script = Path(sys.executable).parent / "okr-coach"
    return str(script) if script.exists() else f"{sys.executable} -m coach.cli.main"


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def pre_commit(repo: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=600)


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    """A throwaway repository: one weak OKR file, one good one, and files the hook must leave alone."""
    if not shutil.which("git"):
        pytest.skip("git is not installed")
    r = tmp_path / "handbook"
    (r / "okrs").mkdir(parents=True)
    shutil.copy(DATA / "weak-okrs.yaml", r / "support-okrs.yaml")
    shutil.copy(DATA / "good-okrs.yaml", r / "okrs" / "q4.yaml")
    (r / "README.md").write_text("# Team handbook\n\nNot an OKR file.\n")
    (r / "config.yaml").write_text("this: [is not: valid yaml\n")  # would make okr-coach fail if it were passed
    git(r, "init", "-q")
    return r


def env_for(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "NO_COLOR": "1",
            "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}


def local_config() -> str:
    """Our published hook as a `repo: local` hook that runs this checkout's okr-coach."""
    hook = dict(HOOKS[0])
    assert hook["entry"].startswith("okr-coach ")
    hook["entry"] = okr_coach_cmd() + hook["entry"][len("okr-coach"):]
    hook["language"] = "system"
    hook.pop("minimum_pre_commit_version", None)
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": [hook]}]}, sort_keys=False)


def test_the_published_hook_is_well_formed() -> None:
    assert [h["id"] for h in HOOKS] == ["okr-coach"]
    hook = HOOKS[0]
    assert hook["language"] == "python" and "--fail-under" in hook["entry"]
    files = re.compile(hook["files"])
    for path in ("okrs.yaml", "team/OKRs-2026-Q3.md", "okrs/q4.yaml", "planning/okr/sales.csv", "my_okr.json"):
        assert files.search(path), path
    for path in ("README.md", "config.yaml", "docs/brokerage.yaml", "okr.py", "okrs/notes.txt"):
        assert not files.search(path), path


def test_hook_fails_on_the_weak_file_and_passes_once_it_is_fixed(repo: Path, tmp_path: Path) -> None:
    (repo / ".pre-commit-config.yaml").write_text(local_config())
    git(repo, "add", "-A")
    env = env_for(tmp_path)

    score, rules = weak_report()
    first = pre_commit(repo, "run", "--all-files", env=env)
    out = first.stdout + first.stderr
    assert first.returncode == 1, out
    assert "okr-coach review" in out and "Failed" in out
    assert "== support-okrs.yaml" in out and "== okrs/q4.yaml" in out  # both OKR files, nothing else
    assert "config.yaml" not in out.replace(".pre-commit-config.yaml", "")
    weak_part = out.split("== support-okrs.yaml", 1)[1].split("== okrs/q4.yaml", 1)[0]
    assert {"objective.outcome", "kr.outcome"} <= rules
    for rule in rules:
        assert rule in weak_part, rule  # every finding of the weak file, with its fix
    assert weak_part.count("fix:") >= len(rules) and f"OKR set score: {score}/100" in weak_part
    assert f"score {score} is under --fail-under {THRESHOLD}" in out

    shutil.copy(DATA / "weak-okrs-fixed.yaml", repo / "support-okrs.yaml")
    git(repo, "add", "-A")
    second = pre_commit(repo, "run", "--all-files", env=env)
    assert second.returncode == 0, second.stdout + second.stderr
    assert re.search(r"okr-coach review\.+Passed", second.stdout), second.stdout


def test_hook_arguments_override_the_threshold(repo: Path, tmp_path: Path) -> None:
    score, _ = weak_report()
    cfg = yaml.safe_load(local_config())
    cfg["repos"][0]["hooks"][0]["args"] = [f"--fail-under={score}"]  # what a user writes in their config
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    git(repo, "add", "-A")
    run = pre_commit(repo, "run", "--all-files", env=env_for(tmp_path))
    assert run.returncode == 0, run.stdout + run.stderr  # the weak file meets a threshold of its own score


@pytest.mark.skipif(os.environ.get("OKR_COACH_TEST_PRECOMMIT_INSTALL") != "1",
                    reason="installs the hook from PyPI like a user would; set OKR_COACH_TEST_PRECOMMIT_INSTALL=1")
def test_try_repo_installs_the_hook_like_a_user(repo: Path, tmp_path: Path) -> None:
    git(repo, "add", "-A")
    score, _ = weak_report()
    env = env_for(tmp_path)
    env.pop("PYTHONPATH")  # the hook must run from its own install, not from this checkout
    run = pre_commit(repo, "try-repo", str(ROOT), "okr-coach", "--all-files", env=env)
    out = run.stdout + run.stderr
    assert run.returncode == 1 and f"score {score} is under --fail-under {THRESHOLD}" in out, out
    assert "kr.outcome" in out
    shutil.copy(DATA / "weak-okrs-fixed.yaml", repo / "support-okrs.yaml")
    git(repo, "add", "-A")
    run = pre_commit(repo, "try-repo", str(ROOT), "okr-coach", "--all-files", env=env)
    assert run.returncode == 0, run.stdout + run.stderr


# -- docs/ci.md stays true -------------------------------------------------------------------------------------------

CI_DOC = (ROOT / "docs" / "ci.md").read_text()


def _yaml_blocks() -> list[object]:
    return [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", CI_DOC, re.S)]


def test_the_documented_local_hook_matches_the_published_one() -> None:
    local = next(b for b in _yaml_blocks() if isinstance(b, dict) and b.get("repos", [{}])[0].get("repo") == "local")
    hook = local["repos"][0]["hooks"][0]
    for key in ("id", "entry", "files", "types"):
        assert hook[key] == HOOKS[0][key], key


def test_the_documented_ci_step_writes_sarif_and_gates(tmp_path: Path) -> None:
    workflow = next(b for b in _yaml_blocks() if isinstance(b, dict) and "jobs" in b)
    step = next(s for s in workflow["jobs"]["review"]["steps"] if s.get("name") == "Review the OKR files")
    command = step["run"]
    assert "--format sarif" in command
    upload = next(s for s in workflow["jobs"]["review"]["steps"] if "upload-sarif" in s.get("uses", ""))
    assert upload["if"] == "always()" and upload["with"]["sarif_file"] in command

    if " -m " in okr_coach_cmd():
        pytest.skip("no okr-coach script installed beside this interpreter")
    (tmp_path / "okrs").mkdir()
    shutil.copy(DATA / "weak-okrs.yaml", tmp_path / "okrs" / "support.yaml")
    shutil.copy(DATA / "good-okrs.yaml", tmp_path / "okrs" / "success.yaml")
    env = {**env_for(tmp_path), "PATH": f"{Path(okr_coach_cmd()).parent}{os.pathsep}{os.environ['PATH']}"}
    score, rules = weak_report()
    run = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and f"score {score} is under --fail-under 80" in run.stderr
    sarif = json.loads((tmp_path / "okr-coach.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} == {"okrs/support.yaml"}
    rule_ids = {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert all(r["ruleId"] in rule_ids and r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1
               for r in results)
    assert {r["ruleId"] for r in results} == rules

    shutil.copy(DATA / "weak-okrs-fixed.yaml", tmp_path / "okrs" / "support.yaml")
    run = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert json.loads((tmp_path / "okr-coach.sarif").read_text())["runs"][0]["results"] == []
