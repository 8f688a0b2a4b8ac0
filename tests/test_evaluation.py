"""`okr-coach eval`: per-rule counts, figures by source site and by a fixed split by source, key-result-only records."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from coach.errors import InputError
from coach.evaluation import (DEFAULT_FOLDS, HELDOUT_FOLD, Item, ambiguous_beside, evaluate, fold_of, read_ambiguous,
                              read_items, source_site)

ROOT = Path(__file__).resolve().parent.parent


def _item(objective: str, krs: list[str], obj_labels: list[str], kr_labels: list[list[str]],
          parsed: list[dict | None] | None = None, source: str | None = None) -> dict:
    return {"objective": objective, "key_results": krs, "labels": {"objective": obj_labels, "key_results": kr_labels},
            "parsed": parsed, "source": source}


@pytest.mark.parametrize(("url", "site"), [
    ("https://www.example.com/okrs/2024", "example.com"),
    ("http://blog.example.com/post?id=3", "example.com"),  # subdomains of one site are one group
    ("https://news.example.co.uk/a", "example.co.uk"),
    ("https://github.com/Acme/handbook/blob/main/okrs.md", "github.com/acme"),  # each owner is a writer
    ("https://gitlab.com/acme", "gitlab.com/acme"),
    ("example.org/path", "example.org"),
    ("", "(no source)"),
    (None, "(no source)"),
])
def test_source_site(url: str | None, site: str) -> None:
    assert source_site(url) == site


def test_fold_is_a_stable_hash_of_the_site() -> None:
    # Fixed values: the split must not move between runs, machines or Python versions (no built-in hash()).
    assert DEFAULT_FOLDS == 3
    assert [fold_of(s) for s in ("example.com", "github.com/acme", "(no source)")] == [0, 2, 2]
    import hashlib
    for s in ("example.com", "okr.example.org", "github.com/acme"):
        assert fold_of(s, 5) == int(hashlib.sha256(s.encode()).hexdigest()[:8], 16) % 5


def _items(tmp_path: Path) -> list[Item]:
    # Sites chosen so that both parts hold records with k=3 (checked by the asserts below).
    sites = [f"https://site{i}.example/okrs" for i in range(12)]
    rows = []
    for i, url in enumerate(sites):
        rows.append(_item("Launch the partner portal", ["Sign 5 new partners", "Raise partner NPS to 50"],
                          ["objective.outcome"], [[], ["kr.baseline"]], [{"target": 5}, {"target": 50}], url))
        if i % 3 == 0:  # one labelled miss per third site: kr.baseline expected on a from-to key result
            rows.append(_item("Partners love working with us", ["Raise partner NPS from 20 to 40"], [],
                              [["kr.baseline"]], [{"baseline": 20, "target": 40}], url))
    p = tmp_path / "set.jsonl"
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return read_items(p)


def test_folds_pool_to_the_whole_file(tmp_path: Path) -> None:
    items = _items(tmp_path)
    whole = evaluate(items)
    folds = whole.folds
    assert {f.part for f in folds} <= {"heldout", "tune"} and len(folds) >= 2
    # A deterministic engine: the counts over the folds add up to the whole-file counts.
    for rule in whole.rules:
        per_fold = [next(r for r in f.rules if r.rule == rule.rule) for f in folds]
        assert sum(r.tp for r in per_fold) == rule.tp
        assert sum(r.fp for r in per_fold) == rule.fp
        assert sum(r.fn for r in per_fold) == rule.fn
    assert sum(f.parse_exact for f in folds) == whole.parse_exact
    assert sum(f.items for f in folds) == whole.items == len(items)
    assert sorted(whole.split.heldout_sites + whole.split.tune_sites) == sorted({source_site(i.source) for i in items})


def test_split_keeps_only_one_part(tmp_path: Path) -> None:
    items = _items(tmp_path)
    held = evaluate(items, part="heldout")
    tune = evaluate(items, part="tune")
    assert held.items + tune.items == len(items) and held.items and tune.items
    assert all(fold_of(m.site) == HELDOUT_FOLD for m in held.parse_misses)
    assert all(m.endswith(tuple(f"[{s}]" for s in held.split.heldout_sites)) for m in held.misses)
    assert all(m.endswith(tuple(f"[{s}]" for s in tune.split.tune_sites)) for m in tune.misses)
    assert held.split.heldout_sites == tune.split.heldout_sites  # the split itself does not depend on the part


def test_by_source_rows(tmp_path: Path) -> None:
    items = _items(tmp_path)
    res = evaluate(items, by_source=True)
    assert [s.name for s in res.by_source] == sorted({source_site(i.source) for i in items})
    assert sum(s.items for s in res.by_source) == len(items)


def test_key_result_only_records_count_key_result_labels_only(tmp_path: Path) -> None:
    p = tmp_path / "krs.jsonl"
    p.write_text(json.dumps(_item("", ["Raise partner NPS to 50", "Sign 5 new partners"], [], [["kr.baseline"], []],
                                  [{"target": 50}, {"target": 5}])) + "\n")
    res = evaluate(read_items(p))
    scores = {r.rule: r for r in res.rules}
    assert scores["kr.baseline"].tp == 1 and scores["kr.baseline"].fp == 0
    assert res.parse_exact == res.parse_total == 2
    # the placeholder title the engine reads is never scored: no objective rule appears in the counts
    assert not any(m.startswith(("FP objective.", "FN objective.")) for m in res.misses)


@pytest.mark.parametrize(("row", "needle"), [
    (_item("", [], [], []), "neither an objective nor key results"),
    (_item("Grow", ["Sign 5 partners"], [], [[], []]), "2 key-result label lists for 1 key results"),
    (_item("Grow", ["Sign 5 partners"], [], [[]], [None, None]), "2 parsed entries"),
    (_item("", ["Sign 5 partners"], ["objective.outcome"], [[]]), "objective labels on a record with no objective"),
])
def test_bad_records_get_a_clear_error(tmp_path: Path, row: dict, needle: str) -> None:
    p = tmp_path / "bad.jsonl"
    p.write_text(json.dumps(row) + "\n")
    with pytest.raises(InputError) as exc:
        read_items(p)
    assert needle in str(exc.value) and exc.value.location == f"{p}:1"


def test_folds_below_two_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        evaluate(_items(tmp_path), folds=1)


def test_cli_split_and_by_source(tmp_path: Path) -> None:
    items = _items(tmp_path)
    p = tmp_path / "set.jsonl"
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "160"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "coach.cli.main", "eval", str(p), *args], capture_output=True,
                              text=True, env=env, cwd=ROOT, timeout=120)

    r = run("--by-source")
    assert r.returncode == 0, r.stderr
    assert "held-out sites (fold 0):" in r.stdout and "tune sites:" in r.stdout and "by source site" in r.stdout
    assert "pooled" in r.stdout
    r = run("--split", "tune", "--verbose")
    assert r.returncode == 0, r.stderr
    held = evaluate(items).split.heldout_sites
    assert not any(f"[{s}]" in line for line in r.stdout.splitlines() for s in held)
    data = json.loads(run("--split", "heldout", "--format", "json").stdout)
    assert {"rules", "parse_exact_match", "split", "folds"} <= set(data)
    assert all({"rule", "f1", "support"} <= set(x) for x in data["rules"])  # what the stop hook reads
    assert data["split"]["scored_part"] == "heldout"


def test_decisions_listed_as_ambiguous_are_left_out_and_counted(tmp_path: Path) -> None:
    p = tmp_path / "set.jsonl"
    rows = [
        # line 0: the engine fires kr.outcome on the first key result; its label says nothing (a false alarm)
        _item("Grow repeat orders", ["Publish 4 recipe videos", "Raise repeat orders from 12% to 20%"], [], [[], []],
              [{"target": 4}, {"baseline": 12, "target": 20}]),
        # line 1: a false alarm that is not on the list stays counted
        _item("Grow repeat orders", ["Run 3 tasting events"], [], [[]], [{"target": 3}]),
    ]
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    amb = tmp_path / "set.ambiguous.txt"
    amb.write_text("# LINE TARGET: RULE - reason\n0 kr 0: kr.outcome - videos could be read as the result\n"
                   "0 kr 1: parsed - a second reading of the numbers\n")
    listed = read_ambiguous(amb)
    assert listed == {0: {("kr 0", "kr.outcome"), ("kr 1", "parsed")}}
    assert ambiguous_beside(p) == amb
    full = {r.rule: r for r in evaluate(read_items(p), rules=["kr.outcome"]).rules}
    res = evaluate(read_items(p), rules=["kr.outcome"], ambiguous=listed)
    out = {r.rule: r for r in res.rules}
    assert full["kr.outcome"].fp == 2 and out["kr.outcome"].fp == 1
    assert res.ambiguous_excluded == 2 and res.parse_total == 2  # one parse entry of three left out

    r = subprocess.run([sys.executable, "-m", "coach.cli.main", "eval", str(p), "--exclude-ambiguous",
                        "--rules", "kr.outcome"],
                       capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1", "COLUMNS": "160"},
                       cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "left out: 2 label decisions" in r.stdout


def test_a_malformed_ambiguous_list_is_refused_with_its_line(tmp_path: Path) -> None:
    amb = tmp_path / "x.ambiguous.txt"
    amb.write_text("# header\n3 objective: objective.outcome - fine\nthis line has no shape\n")
    with pytest.raises(InputError) as exc:
        read_ambiguous(amb)
    assert exc.value.location == f"{amb}:3"


def test_the_probe_sets_load_and_their_ambiguous_lists_name_real_lines() -> None:
    labelled = {"objective.qualitative", "objective.outcome", "objective.inspiring", "objective.concise",
                "kr.measurable", "kr.outcome", "kr.baseline", "kr.stretch"}  # LABELLING.md
    folder = Path(__file__).parent / "data" / "probes"
    files = sorted(folder.glob("probe*.jsonl"))
    assert len(files) == 5
    for path in files:
        items = read_items(path)
        listed = read_ambiguous(ambiguous_beside(path))
        assert listed and max(listed) < len(items)
        for line, decisions in listed.items():
            n = len(items[line].key_results)
            for target, rule in decisions:
                assert rule in labelled
                assert target == "objective" or int(target.split()[1]) < n
