"""Render a Report as coloured text, Markdown or SARIF (JSON is the model itself)."""

from __future__ import annotations

import textwrap
from typing import Any

from coach import __version__
from coach.models import Finding, OKRSet, Report
from coach.rubric import load_rules

_SEV_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _score_style(score: int) -> str:
    return "green" if score >= 80 else "yellow" if score >= 60 else "red"


_ANSI = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "cyan": "36", "bold red": "1;31"}


def _paint(text: str, style: str | None, color: bool) -> str:
    if not color or not style or not text:
        return text
    codes = ";".join(_ANSI[p] for p in style.split() if p in _ANSI) if style not in _ANSI else _ANSI[style]
    return f"\x1b[{codes}m{text}\x1b[0m" if codes else text


def _wrap(text: str, width: int) -> list[str]:
    """Words to lines of at most `width` characters; a word longer than a line is cut (nothing is dropped)."""
    if len(text) <= width:
        return [text]
    return textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False, drop_whitespace=True) or [""]


def render_text(report: Report, *, color: bool = True, width: int = 110) -> str:
    """A human report: a score table, then each finding with evidence and a fix.

    Plain string building (no layout engine): a set of 10,000 key results renders in well under a second.
    """
    rows: list[tuple[str, str, int, str, bool]] = []  # label, text, score, findings, is objective
    for o in report.objectives:
        rows.append((f"O{o.index + 1}", o.title, o.score, ", ".join(f.rule for f in o.findings) or "-", True))
        for k in o.key_results:
            prog = f" [{k.progress.value:.0%}]" if k.progress else ""
            rows.append((f"KR{k.index + 1}", "  " + k.text + prog, k.score,
                         ", ".join(f.rule for f in k.findings) or "-", False))
    w0 = max([1, *(len(r[0]) for r in rows)])
    w2 = len("score")
    w3 = min(40, max([len("findings"), *(len(r[3]) for r in rows)]))
    # 13: borders and one space of padding each side; the text column gives way to the findings column.
    w1 = max(20, min(68, max([len("objective / key result"), *(len(r[1]) for r in rows)]), width - 13 - w0 - w2 - w3))
    w3 = max(w3, min(width - 13 - w0 - w1 - w2, max([len("findings"), *(len(r[3]) for r in rows)])))
    out = [f"{_paint('OKR set score: ', 'bold', color)}"
           f"{_paint(f'{report.score}/100', 'bold ' + _score_style(report.score), color)}"]
    for note in report.notes:
        out.append(_paint(f"note: {note}", "yellow", color))
    ws = (w0, w1, w2, w3)
    out.append("┏" + "┳".join("━" * (w + 2) for w in ws) + "┓")
    out.append("┃ " + " ┃ ".join((h.rjust(w) if i in (0, 2) else h.ljust(w))
                                 for i, (h, w) in enumerate(zip(("#", "objective / key result", "score", "findings"), ws)))
               + " ┃")
    out.append("┡" + "╇".join("━" * (w + 2) for w in ws) + "┩")
    for label, text, score, found, is_obj in rows:
        left = _wrap(text, w1)
        right = _wrap(found, w3)
        for i in range(max(len(left), len(right))):
            cell1 = left[i] if i < len(left) else ""
            cell1 = _paint(cell1.ljust(w1), "bold", color) if is_obj and cell1 else cell1.ljust(w1)
            cells = [(label if i == 0 else "").rjust(w0), cell1,
                     _paint(str(score).rjust(w2), _score_style(score), color) if i == 0 else " " * w2,
                     (right[i] if i < len(right) else "").ljust(w3)]
            out.append("│ " + " │ ".join(cells) + " │")
    out.append("└" + "┴".join("─" * (w + 2) for w in ws) + "┘")

    def detail(head: str, body: str, style: str | None = None) -> None:
        lines = _wrap(head + body, width - 8) if len(head) + len(body) > width - 8 else [head + body]
        first = lines[0]
        out.append("        " + (_paint(head, style, color) + first[len(head):] if style and first.startswith(head)
                                 else first))
        out.extend("        " + line for line in lines[1:])

    for where, f in report.all_findings():
        out.append(f"{_paint(f'{f.severity:7s} ', _SEV_STYLE[f.severity], color)}{_paint(f.rule, 'bold', color)}"
                   f"  {where}")
        detail("", f.message)
        detail("evidence: ", f.evidence, "dim")
        detail("fix: ", f.suggestion, "green")
    for o in report.objectives:
        if o.progress is not None:
            out.append(f"O{o.index + 1} progress {o.progress:.2f}: {o.progress_reading}")
    if not report.all_findings():
        out.append("No findings: every rule passes.")
    return "\n".join(out) + "\n"


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
