"""`okr-coach review FILE` and `okr-coach eval FILE.jsonl`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from coach.errors import CoachError, InputError
from coach.io import FORMATS, load_path, loads
from coach.models import OKRSet

if TYPE_CHECKING:
    from rich.console import Console

    from coach.evaluation import EvalResult, RuleScore


def _read_input(path: str, fmt: str) -> OKRSet:
    if path == "-":
        return loads(sys.stdin.read(), fmt, source="<stdin>")
    return load_path(path, fmt)


def cmd_review(args: argparse.Namespace) -> int:
    from coach.formats import render_markdown, render_sarif, render_text
    from coach.rubric import review

    if args.coach:
        from coach.cli.llm import prefetch

        prefetch()  # litellm's import overlaps reading and reviewing the files
    results = []
    failed: list[tuple[str, CoachError]] = []
    for path in args.files:
        try:
            okrs = _read_input(path, args.input_format)
        except CoachError as exc:
            if len(args.files) == 1:
                raise
            # Several files (a pre-commit hook, a glob): one unreadable file is reported, the others still reviewed.
            failed.append((path, exc))
            print(f"error: {exc}", file=sys.stderr)
            continue
        results.append((path, okrs, review(okrs, profile=args.profile)))
    if not results:
        return 2
    coach_data: dict[str, object] = {}
    if args.coach:
        from coach.cli.llm import add_coach_commentary  # the LLM layer is loaded only when asked for

        for path, okrs, report in results:
            coach_data[path] = add_coach_commentary(report, okrs)
    if args.format == "json":
        docs = []
        for path, _, report in results:
            out = report.model_dump(mode="json")
            if path in coach_data:
                out["coach"] = coach_data[path]
            docs.append(out)
        payload = docs[0] if len(args.files) == 1 else {
            "files": [{"path": p, "report": d} for (p, _, _), d in zip(results, docs)]
            + [{"path": p, **exc.to_dict()} for p, exc in failed]}
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    elif args.format == "sarif":
        sarif = render_sarif(results[0][2], results[0][1])
        for _, okrs, report in results[1:]:
            sarif["runs"][0]["results"] += render_sarif(report, okrs)["runs"][0]["results"]
        print(json.dumps(sarif, indent=2, ensure_ascii=False))
    else:
        color = not args.no_color and sys.stdout.isatty()
        for path, _, report in results:
            if len(args.files) > 1:
                print(f"== {path}")
            print(render_markdown(report) if args.format == "markdown" else render_text(report, color=color), end="")
            if path in coach_data:
                from coach.cli.llm import render_coach_text

                print(render_coach_text(coach_data[path]), end="")
    worst = min(r.score for _, _, r in results)
    if failed:
        print(f"{len(failed)} of {len(args.files)} files could not be read (see the errors above)", file=sys.stderr)
        return 2
    if args.fail_under is not None and worst < args.fail_under:
        print(f"score {worst} is under --fail-under {args.fail_under}", file=sys.stderr)
        return 1
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from coach.evaluation import ambiguous_beside, evaluate, read_ambiguous, read_items

    path = Path(args.file)
    if not path.exists():
        raise InputError("file not found", location=str(path))
    ambiguous = None
    if args.exclude_ambiguous is not None:
        amb_path = Path(args.exclude_ambiguous) if args.exclude_ambiguous else ambiguous_beside(path)
        if not amb_path.exists():
            raise InputError("no list of ambiguous labels", location=str(amb_path),
                             hint="give its path: --exclude-ambiguous FILE")
        ambiguous = read_ambiguous(amb_path)
    result = evaluate(read_items(path), rules=args.rules or None, profile=args.profile, folds=args.folds,
                      part=args.split, by_source=args.by_source, ambiguous=ambiguous)
    if args.format == "json":
        print(result.model_dump_json(indent=2))
        return 0
    con = Console(highlight=False, no_color=not sys.stdout.isatty())
    sp = result.split
    if result.items == 0:
        print(f"no labelled record is in the {sp.scored_part} part of {path.name}: its sites are all on the other "
              f"side ({', '.join(sp.heldout_sites + sp.tune_sites)})", file=sys.stderr)
    part = {"all": "", "tune": " (tune sites only)", "heldout": " (held-out sites only)"}[sp.scored_part]
    table = Table(title=f"{result.items} labelled objectives from {path.name}{part}")
    for col in ("rule", "support", "tp", "fp", "fn", "precision", "recall", "F1"):
        table.add_column(col, justify="left" if col == "rule" else "right")
    for r in result.rules:
        table.add_row(r.rule, str(r.support), str(r.tp), str(r.fp), str(r.fn), f"{r.precision:.2f}", f"{r.recall:.2f}",
                      f"{r.f1:.2f}")
    con.print(table)
    if ambiguous is not None:
        con.print(f"left out: {result.ambiguous_excluded} label decisions the labellers list as ambiguous "
                  f"({amb_path.name}); without --exclude-ambiguous every decision counts")
    con.print(f"parse exact-match: {result.parse_exact}/{result.parse_total} = {result.parse_exact_match:.3f}")
    con.print("parse field accuracy: " + ", ".join(f"{k} {v:.2f}" for k, v in result.parse_field_accuracy.items()))
    if result.folds:
        _print_folds(con, result)
    if result.by_source:
        _print_sources(con, result)
    if args.verbose:
        for m in result.misses:
            con.print(m, markup=False, soft_wrap=True)
        for pm in result.parse_misses:
            con.print(f"parse miss: {pm.text!r} expected {pm.expected} got {pm.got.model_dump()}  [{pm.site}]",
                      markup=False, soft_wrap=True)
    return 0


def _cell(r: RuleScore) -> str:
    return f"{r.f1:.2f}/{r.precision:.2f} ({r.support})" if r.support or r.fp else "-"


def _print_folds(con: Console, result: EvalResult) -> None:
    """Rule x fold table (F1 / precision (positives)), then which sites are in which part."""
    from rich.table import Table

    sp, folds = result.split, result.folds
    table = Table(title=f"by source fold (k={sp.folds}; fold {sp.heldout_fold} is held out): F1/precision (positives)")
    table.add_column("rule", no_wrap=True)
    for f in folds:
        table.add_column(f"fold {f.fold}\n{'held-out' if f.part == 'heldout' else 'tune'}", justify="right", no_wrap=True)
    table.add_column("pooled\n(whole file)", justify="right", no_wrap=True)
    table.add_row("sites / objectives", *(f"{len(f.sites)} / {f.items}" for f in folds),
                  f"{len(sp.heldout_sites) + len(sp.tune_sites)} / {result.items}")
    whole = {r.rule: r for r in result.rules}
    for rule in whole:
        table.add_row(rule, *(_cell(next(r for r in f.rules if r.rule == rule)) for f in folds), _cell(whole[rule]))
    table.add_row("parse exact-match", *(f"{f.parse_exact_match:.2f} ({f.parse_total})" for f in folds),
                  f"{result.parse_exact_match:.2f} ({result.parse_total})")
    con.print(table)
    con.print("The rule engine learns nothing from labelled data, so the pooled figure over the folds is the "
              "whole-file figure; the folds show how much agreement moves from one group of sites to another.")
    con.print(f"held-out sites (fold {sp.heldout_fold}): " + ", ".join(sp.heldout_sites), markup=False)
    con.print("tune sites: " + ", ".join(sp.tune_sites), markup=False)


def _print_sources(con: Console, result: EvalResult) -> None:
    from rich.table import Table

    table = Table(title="by source site")
    for col in ("site", "fold", "obj.", "KRs", "label misses", "parse exact"):
        table.add_column(col, justify="left" if col == "site" else "right", no_wrap=True)
    for s in result.by_source:
        misses = sum(r.fp + r.fn for r in s.rules)
        table.add_row(s.name, f"{s.fold}{'*' if s.part == 'heldout' else ''}", str(s.items), str(s.key_results),
                      str(misses), f"{s.parse_exact}/{s.parse_total}")
    con.print(table)
    con.print("* held-out fold; label misses = false alarms + misses over every scored rule")


def cmd_rules(args: argparse.Namespace) -> int:
    from coach.errors import NotFoundError
    from coach.rubric import load_profile, load_rules

    rules = load_rules()
    if args.id:
        rule = next((r for r in rules if r.id == args.id), None)
        if rule is None:
            raise NotFoundError(f"no rule {args.id!r}", hint="run `okr-coach rules` to list them")
        if args.format == "json":
            print(rule.model_dump_json(indent=2))
            return 0
        print(f"{rule.id} ({rule.scope}, {rule.severity}, weight {rule.weight})")
        print(f"  what:   {rule.guidance}")
        print(f"  why:    {rule.why}")
        for bad, good in zip(rule.examples.bad, rule.examples.good):
            print(f"  bad:    {bad}")
            print(f"  better: {good}")
        return 0
    if args.format == "json":
        print(json.dumps([r.model_dump(mode="json") for r in rules], indent=2))
        return 0
    prof = load_profile(args.profile or "default")
    print(f"profile {prof.name}: {prof.description}")
    for r in rules:
        off = " (off in this profile)" if r.id in prof.disabled_rules else ""
        print(f"{r.id:24s} {r.severity:8s} {r.guidance}{off}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser("rules", help="list the rubric rules, or explain one",
                       description="List every rule, or show one rule's what / why / bad / better examples.")
    r.add_argument("id", nargs="?", help="a rule id such as kr.baseline")
    r.add_argument("--profile", default=None)
    r.add_argument("--format", choices=["text", "json"], default="text")
    r.set_defaults(func=cmd_rules)

    p = sub.add_parser("review", help="score an OKR file against the rubric",
                       description="Score an OKR set (YAML, JSON, Markdown or CSV; '-' reads stdin).")
    p.add_argument("files", nargs="+", metavar="FILE", help="OKR files (several are fine), or - for stdin")
    p.add_argument("--format", choices=["text", "json", "markdown", "sarif"], default="text")
    p.add_argument("--input-format", choices=["auto", *FORMATS], default="auto")
    p.add_argument("--profile", default=None, help="rubric profile name (default, focused, lenient) or a YAML path")
    p.add_argument("--fail-under", type=int, default=None, metavar="N", help="exit 1 when the set score is below N")
    p.add_argument("--coach", action="store_true", help="add LLM commentary and rewrites (rubric decides)")
    p.add_argument("--no-color", action="store_true")
    p.set_defaults(func=cmd_review)

    e = sub.add_parser("eval", help="measure the rubric against a labelled JSONL file",
                       description="Per-rule precision/recall/F1 and parse exact-match on labelled data.")
    e.add_argument("file")
    e.add_argument("--rules", nargs="*", help="rule ids to score (default: every id found in the labels)")
    e.add_argument("--profile", default=None)
    e.add_argument("--format", choices=["text", "json"], default="text")
    e.add_argument("--verbose", "-v", action="store_true", help="list every miss")
    e.add_argument("--split", choices=["all", "tune", "heldout"], default="all",
                   help="score only the tune or the held-out sites of the fixed split by source (default: all)")
    e.add_argument("--folds", type=int, default=3, metavar="K",
                   help="number of source folds; a site's fold is a stable hash of its name (default: 3)")
    e.add_argument("--by-source", action="store_true", help="add a table of figures per source site")
    e.add_argument("--exclude-ambiguous", nargs="?", const="", default=None, metavar="FILE",
                   help="leave out the label decisions listed as genuinely ambiguous (default list: "
                        "<file>.ambiguous.txt beside the labelled file)")
    e.set_defaults(func=cmd_eval)
