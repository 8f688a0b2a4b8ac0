"""Print the README's agreement table ("How good is the rubric?") from `okr-coach eval` on every labelled file.

Run: .venv/bin/python scripts/eval_table.py [../shared/eval] [--exclude-ambiguous]
(--exclude-ambiguous: leave out the label decisions each file's `<name>.ambiguous.txt` lists as ambiguous)
Each cell is F1 (precision), n = labelled positives; the held-out columns are the fixed split by source site
(fold 0 of `okr-coach eval --folds 3`). Rules with no positive in a part show "–".
"""

from __future__ import annotations

import sys
from pathlib import Path

from coach.evaluation import ambiguous_beside, evaluate, read_ambiguous, read_items

RULES = ["objective.qualitative", "objective.outcome", "objective.inspiring", "objective.concise",
         "kr.measurable", "kr.outcome", "kr.baseline", "kr.stretch"]


def _cell(rows: list[dict], rule: str) -> str:
    r = next((x for x in rows if x["rule"] == rule), None)
    if r is None or (r["support"] == 0 and r["fp"] == 0):
        return "–"
    return f"{r['f1']:.2f} ({r['precision']:.2f}), n={r['support']}"


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--exclude-ambiguous"]
    exclude = len(args) < len(sys.argv) - 1
    folder = Path(args[0] if args else "../shared/eval")
    columns: list[tuple[str, list[dict], str]] = []
    for path in sorted(folder.glob("*.jsonl")):
        amb = ambiguous_beside(path)
        listed = read_ambiguous(amb) if exclude and amb.exists() else None
        res = evaluate(read_items(path), ambiguous=listed).model_dump()
        name = path.stem
        columns.append((f"`{name}`", res["rules"], f"{res['parse_exact_match']:.2f} ({res['parse_total']})"))
        held = next((f for f in res.get("folds") or [] if f.get("part") == "heldout"), None)
        if held and held.get("items"):
            columns.append((f"`{name}` held-out", held["rules"],
                            f"{held['parse_exact_match']:.2f} ({held['parse_total']})"))
    print("| rule | " + " | ".join(c[0] for c in columns) + " |")
    print("|---|" + "---|" * len(columns))
    for rule in RULES:
        print(f"| {rule} | " + " | ".join(_cell(c[1], rule) for c in columns) + " |")
    print("| parse exact-match | " + " | ".join(c[2] for c in columns) + " |")


if __name__ == "__main__":
    main()
