"""Calibrate the topic thresholds of rewrites (`review --coach`, `okr-coach rewrite`) on the role library.

Run:  .venv/bin/python benchmarks/calibrate_rewrite.py [--write]

A rewrite must keep the original's topic. Two thresholds, both cosine similarities of the shipped MiniLM vectors
(numbers and placeholders stripped), measured here on weak wordings generated from the library's own key results
(never on evaluation texts):

- library_topic: a library key result offered as a rewrite. Positives: a vague wording of a library key result
  ("Improve <its metric>") against that key result (numbers as placeholders): the library has what the user
  meant. Negatives: the same vague wording against the nearest library key results of *other* objectives that
  share a word with it (the hard cases: "pipeline" in a marketing key result for a sales task). Threshold at 95%
  recall of the positives.
- template_topic: a template rewrite, which keeps the user's own noun phrase. Positives: the vague wording against
  the template built from it; negatives: the vague wording against the same template built from another
  family's metric. Threshold where at most 1% of negatives pass (a floor: the template also has to name the
  original's nouns).

`--write` stores both in coach/usecases/rewrite_calibration.json, which coach/usecases/coaching.py reads.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from coach.corpus.embeddings import get_embedder  # noqa: E402
from coach.corpus.library import load_roles  # noqa: E402
from coach.krparse import parse_kr  # noqa: E402
from coach.settings import get_settings  # noqa: E402
from coach.usecases.coaching import REWRITE_CALIBRATION, kr_templates, placeholders_for_numbers  # noqa: E402
from coach.usecases.sense import content_words, strip_numbers  # noqa: E402

_GENERIC = {"rate", "number", "share", "time", "per", "month", "week", "quarter", "new", "our", "customer", "team"}


def _embed(texts: list[str]) -> np.ndarray:
    return np.asarray(get_embedder().embed([strip_numbers(t) for t in texts]), dtype=np.float32)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    rng = random.Random(7)
    roles = load_roles(get_settings().corpus_dir / "roles")
    krs: list[tuple[str, int, str, str]] = []  # (role slug, objective id, key result, metric)
    oid = 0
    for r in roles:
        for ex in r.good:
            oid += 1
            for kr in ex.key_results:
                m = (parse_kr(kr).metric or "").strip()
                if m and len(m.split()) >= 2 and placeholders_for_numbers(kr):
                    krs.append((r.slug, oid, kr, m))
    vague = [f"Improve {m}" for _, _, _, m in krs]
    lib = [placeholders_for_numbers(kr) or kr for _, _, kr, _ in krs]
    vv, lv = _embed(vague), _embed(lib)
    pos = (vv * lv).sum(axis=1)
    sims = vv @ lv.T
    neg = []
    for i, (_, oi, _, m) in enumerate(krs):
        words = content_words(m) - _GENERIC
        order = np.argsort(-sims[i])
        got = 0
        for j in order:
            if krs[j][1] == oi:
                continue  # the same objective: not a topic change
            if words & (content_words(krs[j][3]) - _GENERIC):
                neg.append(float(sims[i, j]))
                got += 1
            if got == 3:
                break
    neg_a = np.array(neg)
    t_lib = float(np.quantile(pos, 0.05))
    print(f"library_topic: positives {len(pos)} (median {np.median(pos):.3f}), hard negatives {len(neg_a)} "
          f"(median {np.median(neg_a):.3f}); threshold {t_lib:.3f}: {float((pos < t_lib).mean()):.1%} of positives "
          f"fail, {float((neg_a >= t_lib).mean()):.1%} of negatives pass")

    tpos_a, tpos_b, tneg_a, tneg_b = [], [], [], []
    for (slug, oi, _, m), v in zip(krs, vague):
        own = kr_templates(v, ["kr.measurable"])
        if not own:
            continue
        tpos_a.append(v)
        tpos_b.append(own[0].text)
        other = rng.choice([k for k in krs if k[1] != oi and not (content_words(k[3]) & content_words(m))])
        tneg_a.append(v)
        tneg_b.append(own[0].text.replace(m, other[3], 1))
    tp = (_embed(tpos_a) * _embed(tpos_b)).sum(axis=1)
    tn = (_embed(tneg_a) * _embed(tneg_b)).sum(axis=1)
    t_tpl = float(np.quantile(tn, 0.99))
    print(f"template_topic: positives {len(tp)} (median {np.median(tp):.3f}), negatives {len(tn)} "
          f"(median {np.median(tn):.3f}); threshold {t_tpl:.3f}: {float((tp < t_tpl).mean()):.1%} of positives "
          f"fail, {float((tn >= t_tpl).mean()):.1%} of negatives pass")
    thresholds = {"library_topic": round(t_lib, 3), "template_topic": round(t_tpl, 3)}
    print(json.dumps(thresholds))
    if args.write:
        REWRITE_CALIBRATION.write_text(json.dumps({
            "written_by": "benchmarks/calibrate_rewrite.py", "roles": len(roles), "key_results": len(krs),
            "thresholds": thresholds}, indent=1) + "\n")
        print(f"wrote {REWRITE_CALIBRATION}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
