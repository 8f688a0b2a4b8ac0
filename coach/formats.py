"""Render a Report as coloured text, Markdown or SARIF (JSON is the model itself)."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from coach import __version__
from coach.models import Finding, OKRSet, Report
from coach.rubric import load_rules

_SEV_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _score_style(score: int) -> str:
    return "green" if score >= 80 else "yellow" if score >= 60 else "red"


def render_text(report: Report, *, color: bool = True, width: int = 110) -> str:
    """A human report: a score table, then each finding with evidence and a fix."""
    buf = io.StringIO()
    con = Console(file=buf, force_terminal=color, no_color=not color, width=width, highlight=False)
    con.print(Text.assemble(("OKR set score: ", "bold"), (f"{report.score}/100", f"bold {_score_style(report.score)}")))
    table = Table(show_lines=False, expand=False)
    table.add_column("#", justify="right")
    table.add_column("objective / key result", overflow="fold", max_width=70)
    table.add_column("score", justify="right")
    table.add_column("findings", overflow="fold")
    for o in report.objectives:
        table.add_row(f"O{o.index + 1}", Text(o.title, style="bold"), Text(str(o.score), style=_score_style(o.score)),
                      ", ".join(f.rule for f in o.findings) or "-")
        for k in o.key_results:
            prog = f" [{k.progress.value:.0%}]" if k.progress else ""
            table.add_row(f"KR{k.index + 1}", "  " + k.text + prog, Text(str(k.score), style=_score_style(k.score)),
                          ", ".join(f.rule for f in k.findings) or "-")
    con.print(table)

    def show(where: str, f: Finding) -> None:
        con.print(Text.assemble((f"{f.severity:7s} ", _SEV_STYLE[f.severity]), (f.rule, "bold"), f"  {where}"))
        con.print(f"        {f.message}")
        con.print(Text.assemble(("        evidence: ", "dim"), f.evidence))
        con.print(Text.assemble(("        fix: ", "green"), f.suggestion))

    for where, f in report.all_findings():
        show(where, f)
    for o in report.objectives:
        if o.progress is not None:
            con.print(f"O{o.index + 1} progress {o.progress:.2f}: {o.progress_reading}")
    if not report.all_findings():
        con.print("No findings: every rule passes.")
    return buf.getvalue()


def render_markdown(report: Report) -> str:
    lines = [f"# OKR review: {report.score}/100", ""]
    for f in report.findings:
        lines.append(f"- **{f.severity}** `{f.rule}`: {f.message} Fix: {f.suggestion}")
    for o in report.objectives:
        lines += ["", f"## O{o.index + 1}. {o.title} ({o.score}/100)", ""]
        for f in o.findings:
            lines.append(f"- **{f.severity}** `{f.rule}`: {f.message} *Evidence:* {f.evidence}. *Fix:* {f.suggestion}")
        lines += ["", "| KR | score | findings |", "|---|---:|---|"]
        for k in o.key_results:
            found = "; ".join(f"`{f.rule}` {f.message} Fix: {f.suggestion}" for f in k.findings) or "-"
            lines.append(f"| {k.text.replace('|', '/')} | {k.score} | {found.replace('|', '/')} |")
    return "\n".join(lines) + "\n"


def render_sarif(report: Report, okrs: OKRSet) -> dict[str, Any]:
    """SARIF 2.1.0, so OKR files in a repository can be linted in CI like code."""
    rules = load_rules()
    index = {r.id: i for i, r in enumerate(rules)}
    results = []
    for where, f in report.all_findings():
        path = where if where != "set" else "objectives"
        line = okrs.line_of(path) or okrs.line_of("objectives") or 1
        results.append({
            "ruleId": f.rule, "ruleIndex": index.get(f.rule, -1), "level": _SARIF_LEVEL[f.severity],
            "message": {"text": f"{f.message} Evidence: {f.evidence}. Fix: {f.suggestion}"},
            "locations": [{
                "physicalLocation": {"artifactLocation": {"uri": okrs.source}, "region": {"startLine": line}},
                "logicalLocations": [{"fullyQualifiedName": where}],
            }],
        })
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "okr-coach", "version": __version__, "informationUri": "https://github.com/okr-coach/okr-coach",
                "rules": [{
                    "id": r.id, "name": r.id.replace(".", "_"),
                    "shortDescription": {"text": r.guidance}, "fullDescription": {"text": r.why},
                    "help": {"text": f"Bad: {r.examples.bad[0]}\nBetter: {r.examples.good[0]}"},
                    "defaultConfiguration": {"level": _SARIF_LEVEL[r.severity]},
                } for r in rules],
            }},
            "results": results,
        }],
    }
