"""Does the reading hang on particular verbs? Swap the first verb of every labelled task for another action verb.

For every key result labelled kr.outcome (and every objective labelled objective.outcome) in the real-world files
whose reading is an imperative action, the first word is replaced by an action verb drawn (seeded) from a short
list; the verdict should stay. Prints how many kept it and the ones that moved.

Run: .venv/bin/python scripts/verb_swap_check.py [../shared/eval/real_guides.jsonl ../shared/eval/real_orgs.jsonl]
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from coach.io import from_obj
from coach.rubric import review
from coach.rubric.language import objective_kind
from coach.rubric.sentence import read
from coach.rubric.words import load_language
from coach.settings import get_settings

ACTIONS = ["Draft", "Assemble", "Prepare", "Organise", "Compile", "Produce", "Put together", "Coordinate", "Set up",
           "Deliver", "Roll out"]
ROOT = Path(__file__).resolve().parent.parent
DEFAULT = [ROOT.parent / "shared" / "eval" / "real_guides.jsonl", ROOT.parent / "shared" / "eval" / "real_orgs.jsonl"]


def main(paths: list[Path]) -> int:
    lang = load_language(get_settings().rubrics_dir)
    rnd = random.Random(3)
    kept = {"key results": 0, "objectives": 0}
    moved: dict[str, list[str]] = {"key results": [], "objectives": []}
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            d = json.loads(line)
            texts = [(kr, "kr.outcome" in lab, "key results") for kr, lab in zip(d["key_results"], d["labels"]["key_results"])]
            if d["objective"]:
                texts.append((d["objective"], "objective.outcome" in d["labels"]["objective"], "objectives"))
            for text, labelled, what in texts:
                r = read(text, lang)
                words = text.split()
                if not labelled or r.frame != "imperative" or r.verb_class != "action" or not words \
                        or words[0].lower().strip("`*") != r.verb:
                    continue
                swapped = " ".join([rnd.choice(ACTIONS), *words[1:]])
                if what == "objectives":
                    same = objective_kind(swapped, lang)[0] == "deliverable"
                else:
                    rep = review(from_obj({"objectives": [{"title": "Customers get value fast", "key_results": [swapped]}]}))
                    same = any(f.rule == "kr.outcome" for f in rep.objectives[0].key_results[0].findings)
                if same:
                    kept[what] += 1
                else:
                    moved[what].append(swapped[:100])
    for what in kept:
        total = kept[what] + len(moved[what])
        print(f"{what}: {kept[what]} of {total} keep their verdict")
        for m in moved[what]:
            print(f"  moved: {m}")
    return 0


if __name__ == "__main__":
    sys.exit(main([Path(p) for p in sys.argv[1:]] or DEFAULT))
