"""The CLI as a user breaks it: a closed pipe, a data folder that cannot exist, a damaged or read-only index,
bad role files, misspelled keys, out-of-range options. Every case ends with a message, never a traceback."""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "enterprise-sales.yaml"


class Result:
    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def run(*args: str, home: Path | None = None, module: str = "coach.cli.main") -> Result:
    """The command in this process (a new process costs seconds of imports each time): exit code and output.

    Tests that need a real process (pipes, signals) start one themselves.
    """
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from coach.corpus import index as ix
    from coach.settings import get_settings

    main = importlib.import_module(module).main
    saved = os.environ.get("OKR_COACH_HOME")
    if home is not None:
        os.environ["OKR_COACH_HOME"] = str(home)
    for idx in ix._INDEXES.values():
        idx.close()
    ix._INDEXES.clear()  # each command starts as a new process would: no index kept open from before
    get_settings.cache_clear()
    out, err = io.StringIO(), io.StringIO()
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse: usage errors and --version
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        if saved is None:
            os.environ.pop("OKR_COACH_HOME", None)
        else:
            os.environ["OKR_COACH_HOME"] = saved
        get_settings.cache_clear()
        for idx in ix._INDEXES.values():
            idx.close()
        ix._INDEXES.clear()
    return Result(int(code or 0), out.getvalue(), err.getvalue())


def no_traceback(r: Result) -> None:
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout, r.stderr


# -- a reader that went away (`okr-coach ... | head`) ------------------------------------------------------------

@pytest.mark.parametrize("args", [["rules"], ["review", str(SAMPLE), "--format", "json"], ["review", str(SAMPLE)],
                                  ["examples", "--role", "Account Executive", "--bm25"], ["--version"]])
def test_a_closed_pipe_ends_the_command_quietly(args: list[str]) -> None:
    """The reader of stdout is gone before the first byte: the command stops with 141 (SIGPIPE) and no traceback."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head -0`: every write now fails with EPIPE
    try:
        p = subprocess.run([sys.executable, "-m", "coach.cli.main", *args], stdout=write_end,
                           stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=300,
                           env={**os.environ, "NO_COLOR": "1"})
    finally:
        os.close(write_end)
    assert "Traceback" not in p.stderr and "Exception ignored" not in p.stderr, p.stderr
    assert p.returncode in (0, 141), p.stderr  # argparse's --version exits 0 when its write is lost


def test_head_on_a_long_report_is_clean(tmp_path: Path) -> None:
    """The real shell pipeline from the issue: a long text report piped into `head -n 3`."""
    big = tmp_path / "big.yaml"
    lines = ["objectives:"]
    for o in range(150):
        lines += [f"  - title: Customers in segment {o} renew with us", "    key_results:"]
        lines += [f"      - Raise renewal rate in cohort {k} from 60% to 80%" for k in range(20)]
    big.write_text("\n".join(lines) + "\n")
    cmd = f"{sys.executable} -m coach.cli.main review {big} | head -n 3"
    p = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True, text=True, cwd=ROOT, timeout=300,
                       env={**os.environ, "NO_COLOR": "1"})
    assert p.stdout.startswith("OKR set score:")
    assert "Traceback" not in p.stderr and "BrokenPipeError" not in p.stderr, p.stderr
    assert p.returncode in (0, 141)


# -- the data folder and the examples index ------------------------------------------------------------------

def test_a_data_folder_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    home = blocker / "okr-coach"
    r = run("examples", "--role", "Account Executive", "--bm25", home=home)
    no_traceback(r)
    assert r.returncode == 0 and "Account Executive" in r.stdout  # the examples still come, from memory
    assert "in-memory index" in r.stderr and "Not a directory" in r.stderr
    r = run("index", "--bm25", home=home)
    no_traceback(r)
    assert r.returncode == 2 and r.stderr.startswith("error:") and "OKR_COACH_HOME" in r.stderr


def test_a_damaged_index_is_reported_and_rebuild_replaces_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "examples-index-bm25.db").write_bytes(b"this is not an SQLite file, just bytes " * 200)
    r = run("examples", "--role", "Account Executive", "--bm25", "--json", home=home)
    no_traceback(r)
    assert r.returncode == 0
    data = json.loads(r.stdout)
    assert data["examples"] and any("damaged" in n for n in data["notes"])
    r = run("index", "--bm25", home=home)
    no_traceback(r)
    assert r.returncode == 2 and "damaged" in r.stderr and "--rebuild" in r.stderr
    r = run("index", "--bm25", "--rebuild", home=home)
    no_traceback(r)
    assert r.returncode == 0 and "replaced a damaged index" in r.stderr and "indexed" in r.stdout
    r = run("examples", "--role", "Account Executive", "--bm25", "--json", home=home)
    assert json.loads(r.stdout)["notes"] == []


@contextlib.contextmanager
def read_only(*paths: Path) -> Iterator[None]:
    """Make paths read-only even for root (the immutable flag), or skip when this machine cannot."""
    if os.geteuid() != 0:
        for p in paths:
            p.chmod(0o555 if p.is_dir() else 0o444)
        try:
            yield
        finally:
            for p in paths:
                p.chmod(0o755 if p.is_dir() else 0o644)
        return
    chattr = shutil.which("chattr")
    if not chattr or subprocess.run([chattr, "+i", *map(str, paths)], capture_output=True).returncode != 0:
        pytest.skip("running as root without chattr +i: cannot make a file read-only here")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", *map(str, paths)], check=False)


def test_a_read_only_index(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert run("index", "--bm25", home=home).returncode == 0
    files = [p for p in home.iterdir()]
    with read_only(*files, home):
        r = run("index", "--bm25", "--rebuild", home=home)
        no_traceback(r)
        assert r.returncode == 2 and r.stderr.startswith("error:") and "cannot be written" in r.stderr
        r = run("examples", "--role", "Account Executive", "--bm25", home=home)
        no_traceback(r)
        assert r.returncode == 0 and "Account Executive" in r.stdout and "in-memory index" in r.stderr


def test_a_killed_index_rebuild_leaves_a_working_index(tmp_path: Path) -> None:
    """SIGKILL in the middle of rewriting the index: the next command finds the old index whole, or rebuilds."""
    home = tmp_path / "home"
    assert run("index", "--bm25", home=home).returncode == 0
    # A rebuild that kills its own process after the old tables are dropped and 50 rows are written.
    killer = (
        "import os, signal, sys\n"
        "from coach.corpus import index as ix\n"
        "real = ix.example_rows\n"
        "def rows(roles):\n"
        "    out = real(roles)\n"
        "    class Boom(list):\n"
        "        def __iter__(self):\n"
        "            for i, r in enumerate(list.__iter__(self)):\n"
        "                if i == 50: os.kill(os.getpid(), signal.SIGKILL)\n"
        "                yield r\n"
        "    return Boom(out)\n"
        "ix.example_rows = rows\n"
        "from coach.cli.main import main\n"
        "sys.exit(main(['index', '--bm25', '--rebuild']))\n")
    p = subprocess.run([sys.executable, "-c", killer], capture_output=True, text=True, cwd=ROOT, timeout=300,
                       env={**os.environ, "OKR_COACH_HOME": str(home), "PYTHONPATH": str(ROOT)})
    assert p.returncode == -signal.SIGKILL, p.stderr
    r = run("index", "--bm25", home=home)
    no_traceback(r)
    # The rebuild's transaction never committed: the old index is whole and still matches the role files.
    assert r.returncode == 0 and r.stdout.startswith("index is up to date ("), r.stdout
    r = run("examples", "--role", "Account Executive", "--bm25", "--json", home=home)
    data = json.loads(r.stdout)
    assert r.returncode == 0 and data["notes"] == [] and len(data["examples"]) == 5


# -- the examples, index and rules commands ------------------------------------------------------------------

def test_examples_command_shows_metrics_and_examples_of_the_role(tmp_path: Path) -> None:
    r = run("examples", "--role", "Account Executive", "--bm25", "--k", "3", home=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("Account Executive — ")
    assert lines[1].startswith("  leading metrics: ") and lines[2].startswith("  lagging metrics: ")
    numbered = [ln for ln in lines if ln[:2] in ("1.", "2.", "3.", "4.")]
    assert [ln[:2] for ln in numbered] == ["1.", "2.", "3."]  # --k 3: exactly three examples


def test_examples_json_and_weak_examples_name_the_rules_they_break(tmp_path: Path) -> None:
    r = run("examples", "--role", "Support", "--weak", "--bm25", "--json", "--k", "50", home=tmp_path)
    data = json.loads(r.stdout)
    assert data["role"] == "Support" and data["backend"] == "bm25" and data["matched_by"] in ("exact", "alias")
    assert {m["kind"] for m in data["metrics"]} == {"leading", "lagging"}
    weak = [e for e in data["examples"] if e["kind"] == "weak"]
    assert weak and all(e["breaks"] for e in weak)


def test_an_unknown_title_says_which_role_it_used(tmp_path: Path) -> None:
    r = run("examples", "--role", "Head of Customer Happiness", "--bm25", home=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("No role called 'Head of Customer Happiness': showing ")


@pytest.mark.parametrize("k", ["0", "51", "-3", "many"])
def test_k_out_of_range_is_refused(k: str, tmp_path: Path) -> None:
    r = run("examples", "--role", "Support", "--k", k, home=tmp_path)
    assert r.returncode == 2 and "argument --k" in r.stderr
    no_traceback(r)


def test_bm25_asked_for_is_not_reported_as_missing_embeddings(tmp_path: Path) -> None:
    r = run("examples", "--role", "Support", "--bm25", home=tmp_path)
    assert r.returncode == 0 and "not installed" not in r.stderr


def test_index_command_builds_then_is_up_to_date(tmp_path: Path) -> None:
    r = run("index", "--bm25", home=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("indexed ") and "with bm25 search" in r.stdout
    assert (tmp_path / "examples-index-bm25.db").exists()
    r = run("index", "--bm25", home=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("index is up to date (") and "bm25 search" in r.stdout
    r = run("index", "--bm25", "--rebuild", home=tmp_path)
    assert r.stdout.startswith("indexed ")


def test_rules_command_lists_every_rule_and_explains_one() -> None:
    ids = sorted(p.stem for p in (ROOT / "rubrics").glob("*.yaml"))
    r = run("rules")
    assert r.returncode == 0
    listed = [ln.split()[0] for ln in r.stdout.splitlines()[1:]]
    assert sorted(listed) == ids
    r = run("rules", "kr.baseline")
    assert r.returncode == 0 and r.stdout.startswith("kr.baseline (key_result, ")
    assert all(f"  {k}:" in r.stdout for k in ("what", "why", "bad", "better"))
    data = json.loads(run("rules", "--format", "json").stdout)
    assert sorted(x["id"] for x in data) == ids
    r = run("rules", "kr.nonesuch")
    assert r.returncode == 2 and "no rule 'kr.nonesuch'" in r.stderr


def test_rules_marks_what_a_profile_turns_off() -> None:
    r = run("rules", "--profile", "lenient")
    off = [ln.split()[0] for ln in r.stdout.splitlines() if ln.endswith("(off in this profile)")]
    import yaml

    assert sorted(off) == sorted(yaml.safe_load((ROOT / "rubrics/profiles/lenient.yaml").read_text())
                                 .get("disabled_rules", []))


def test_version() -> None:
    r = run("--version")
    from coach import __version__

    assert r.returncode == 0 and r.stdout.strip() == f"okr-coach {__version__}"


# -- role files --------------------------------------------------------------------------------------------

def test_corpus_check_names_the_file_and_line_of_a_broken_role_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text("role: Tester\nslug: tester\ndrives: [quality\nmetrics: []\n")
    r = run(str(tmp_path), module="coach.corpus.check")
    no_traceback(r)
    assert r.returncode == 2 and f"{bad}:4:" in r.stderr and "cannot parse role file" in r.stderr
    bad.write_text("role: Tester\nslug: tester\nfamily: qa\ndrives: quality\nmetrics:\n"
                   "  - name: escaped defects\n    kind: lagging\ngood: not a list\n")
    r = run(str(bad), module="coach.corpus.check")
    no_traceback(r)
    assert r.returncode == 2 and f"{bad}:8:" in r.stderr and "good" in r.stderr


def test_corpus_check_on_a_missing_folder() -> None:
    r = run("/nonexistent/folder", module="coach.corpus.check")
    no_traceback(r)
    assert r.returncode == 2 and "not found" in r.stderr


# -- what the reader ignored ----------------------------------------------------------------------------

def test_a_misspelled_key_is_named_in_the_text_report(tmp_path: Path) -> None:
    f = tmp_path / "okrs.yaml"
    f.write_text("period: 2026-Q3\nteam: Sales\nobjectives:\n  - title: Customers renew with us\n"
                 "    onwer: Dana\n    key_results:\n      - Raise renewal rate from 70% to 85%\n"
                 "      - Cut churned seats from 400 to 250\n")
    r = run("review", str(f))
    assert r.returncode == 0
    assert f"note: {f}:5: unknown key `onwer` in objectives[0] was ignored; did you mean `owner`?" in r.stdout
    data = json.loads(run("review", str(f), "--format", "json").stdout)
    assert any("`onwer`" in n and "`owner`" in n for n in data["notes"])


def test_a_draft_lists_several_ranked_drafts_whatever_the_model_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """`--n` is how many model samples vote; the drafts themselves are whole library OKRs, ranked, so a user never
    gets a single draft because the model was slow (what `--n 6` used to give under the time budget)."""
    from coach.errors import ModelError

    class SlowModel:
        model = "slow"

        def generate(self, **_: Any) -> list[Any]:
            raise ModelError("the model took longer than the time budget")

    monkeypatch.setattr("coach.llm.get_llm", lambda settings: SlowModel())
    r = run("draft", "--role", "Revenue Operations", "--n", "6", "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert len(data["drafts"]) >= 3 and [d["rank"] for d in data["drafts"]] == list(range(1, len(data["drafts"]) + 1))
    assert "rubric-only results" in data["fallback_reason"]


def test_one_unreadable_file_among_several_does_not_stop_the_others(tmp_path: Path) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text("objectives: [unclosed\n", encoding="utf-8")
    r = run("review", str(bad), str(SAMPLE), home=tmp_path / "home")
    assert r.returncode == 2
    assert "broken.yaml:2:1: malformed YAML" in r.stderr and "1 of 2 files could not be read" in r.stderr
    assert f"== {SAMPLE}" in r.stdout and "OKR set score" in r.stdout  # the good file is still reviewed
    j = run("review", str(bad), str(SAMPLE), "--format", "json", home=tmp_path / "home")
    files = json.loads(j.stdout)["files"]
    assert [f["path"] for f in files] == [str(SAMPLE), str(bad)]
    assert files[0]["report"]["score"] > 0 and files[1]["error"]["code"] == "invalid_input"


def test_a_setting_that_cannot_be_used_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKR_COACH_MAX_INPUT_BYTES", "lots")
    r = run("review", str(SAMPLE), home=tmp_path / "home")
    assert r.returncode == 2
    assert "OKR_COACH_MAX_INPUT_BYTES='lots'" in r.stderr and "valid integer" in r.stderr
    assert "Traceback" not in r.stderr
