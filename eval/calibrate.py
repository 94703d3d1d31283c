"""Calibrating the coverage decision (qa/coverage.py) on the calibration split of the question sets.

    python -m eval.calibrate --set eval/questions.jsonl --set eval/questions_holdout.jsonl \
        --set eval/questions_oos.jsonl@INDEX15 --set eval/questions_policies.jsonl@INDEX15 [--write]

Each `--set FILE[@INDEX_DIR]` is run through the full pipeline over its index (default `./index`; the
15-document sets need an index of the plan plus ../shared/policies/). A question's split is its `split`
field, or — for files without one — a hash of its id (about half each, the same on every machine).
Only `calibration` questions fit the model and choose the threshold; `test` questions are reported
beside them and never looked at by the fit. The positive class of the fit is "covered" (every type but
`out_of_scope`); the threshold is the lowest probability that keeps false abstention on in-scope
calibration questions at or under MAX_FALSE_ABSTENTION while abstaining on as many out-of-scope ones as
possible. `--write` stores the weights, threshold and provenance in qa/coverage_model.json.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from indexer.errors import BadInput
from qa.coverage import FEATURES, MODEL_FILE, covered_probability

CALIBRATION, TEST = "calibration", "test"
MAX_FALSE_ABSTENTION = 0.01   # on calibration in-scope questions; the target on unseen ones is ≤ 0.02
L2 = 5.0                      # ridge penalty on the standardised weights (5-fold cross-validation on the calibration split)


# --- question sets --------------------------------------------------------------------------
def split_of(question: dict) -> str:
    """The question's `split`, or for a file without one a stable hash of its id: even → calibration."""
    split = question.get("split")
    if split in (CALIBRATION, TEST):
        return split
    digest = hashlib.sha256(str(question["id"]).encode("utf-8")).digest()
    return CALIBRATION if digest[0] % 2 == 0 else TEST


def read_set(path: Path) -> list[dict]:
    """id, question, type, split and facts of every question of a JSONL file (any of the set formats)."""
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        obj = json.loads(line)
        if "question" not in obj or "type" not in obj:
            raise BadInput(f"{path}:{n}: a question needs 'question' and 'type'")
        out.append({"id": str(obj.get("id", n)), "question": obj["question"], "type": obj["type"],
                    "split": split_of(obj), "facts": list(obj.get("facts") or [])})
    return out


def collect(kb, questions: list[dict], set_name: str, progress=None) -> list[dict]:
    """One row per question: its label, split, the coverage features and the logical gates."""
    rows = []
    for n, q in enumerate(questions):
        if progress:
            progress(set_name, n, len(questions))
        row = {"set": set_name, "id": q["id"], "question": q["question"], "type": q["type"], "split": q["split"],
               "out_of_scope": q["type"] == "out_of_scope", "facts": q["facts"]}
        try:
            answer = kb.ask(q["question"], qid=q["id"])
        except BadInput as exc:   # refused as bad input: an abstention the model has no part in
            row.update(refused=str(exc), features=None, hard=True, unmet=None, outcome="not_covered", answer="")
            rows.append(row)
            continue
        sig = answer.signals
        row.update(features=sig["coverage_model"]["features"], hard=bool(sig["unknown_years"] or sig["unknown_places"] or sig.get("place_only")
                                 or sig["coverage_model"]["features"].get("contrary")),
                   unmet=sig["unmet_answer_type"], outcome=answer.outcome, answer=answer.answer,
                   cited=[c.clause.clause_id for c in answer.citations])
        rows.append(row)
    return rows


# --- the fit (pure functions) ---------------------------------------------------------------
def standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    means = x.mean(axis=0)
    scales = x.std(axis=0)
    scales[scales < 1e-9] = 1.0
    return means, scales


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = L2, iterations: int = 50) -> tuple[np.ndarray, float]:
    """Ridge-penalised logistic regression by Newton's method (x already standardised; the bias is not
    penalised). Returns (weights, bias)."""
    n, d = x.shape
    design = np.hstack([np.ones((n, 1)), x])
    beta = np.zeros(d + 1)
    penalty = np.diag([0.0] + [l2] * d)
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ beta, -60, 60)))
        gradient = design.T @ (y - p) - penalty @ beta
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + penalty + 1e-9 * np.eye(d + 1)
        step = np.linalg.solve(hessian, gradient)
        beta += step
        if np.max(np.abs(step)) < 1e-8:
            break
    return beta[1:], float(beta[0])


def probabilities(rows: list[dict], model: dict) -> list[float | None]:
    """The model's probability of "covered" per row (None for a refused question)."""
    w = [model["weights"][f] for f in FEATURES]
    m = [model["means"][f] for f in FEATURES]
    s = [model["scales"][f] for f in FEATURES]
    return [None if r["features"] is None else covered_probability([r["features"][f] for f in FEATURES], w,
                                                                    model["bias"], m, s) for r in rows]


def outcome_at(row: dict, probability: float | None, threshold: float) -> str:
    """The outcome the engine gives at this threshold (see qa.coverage.decide_outcome)."""
    if row["hard"] or probability is None or probability < threshold:
        return "not_covered"
    return "partial" if row["unmet"] else "answered"


def abstention_figures(rows: list[dict], outcomes: list[str]) -> dict:
    """Abstention precision/recall, false-abstention rate and outcome counts."""
    oos = [o != "answered" for r, o in zip(rows, outcomes) if r["out_of_scope"]]
    ins = [o != "answered" for r, o in zip(rows, outcomes) if not r["out_of_scope"]]
    abstained = sum(oos) + sum(ins)
    return {"n": len(rows), "n_out_of_scope": len(oos), "n_in_scope": len(ins),
            "abstain_precision": sum(oos) / abstained if abstained else None,
            "abstain_recall": sum(oos) / len(oos) if oos else None,
            "false_abstentions": sum(ins), "false_abstention_rate": sum(ins) / len(ins) if ins else None,
            "outcomes": {k: outcomes.count(k) for k in ("answered", "partial", "not_covered")}}


def curve(rows: list[dict], probs: list[float | None], thresholds=None) -> list[dict]:
    """Abstention precision/recall and false-abstention rate as the threshold moves."""
    if thresholds is None:
        thresholds = sorted({0.0, 1.0} | {round(p, 4) for p in probs if p is not None})
    out = []
    for t in thresholds:
        fig = abstention_figures(rows, [outcome_at(r, p, t) for r, p in zip(rows, probs)])
        out.append({"threshold": t, **{k: fig[k] for k in ("abstain_precision", "abstain_recall",
                                                             "false_abstention_rate", "false_abstentions")}})
    return out


def choose_threshold(points: list[dict], max_false: float = MAX_FALSE_ABSTENTION) -> float:
    """The threshold with the highest abstention recall whose false-abstention rate is at most
    `max_false` (of equals, the lowest), moved halfway down to the next lower candidate: the same
    decisions on the calibration questions, with the margin split between the two classes."""
    allowed = [p for p in points if (p["false_abstention_rate"] or 0.0) <= max_false]
    if not allowed:
        return 0.0
    best = max(p["abstain_recall"] or 0.0 for p in allowed)
    chosen = min(p["threshold"] for p in allowed if (p["abstain_recall"] or 0.0) == best)
    below = [p["threshold"] for p in points if p["threshold"] < chosen]
    return round((chosen + max(below)) / 2, 4) if below else chosen


def fit_model(rows: list[dict], l2: float = L2, max_false: float = MAX_FALSE_ABSTENTION) -> dict:
    """Weights from the calibration rows the logical gates leave undecided; the threshold from all of them."""
    calib = [r for r in rows if r["split"] == CALIBRATION and r["features"] is not None]
    train = [r for r in calib if not r["hard"] and not r["unmet"]]
    x = np.array([[r["features"][f] for f in FEATURES] for r in train], dtype=float)
    y = np.array([0.0 if r["out_of_scope"] else 1.0 for r in train])
    means, scales = standardise(x)
    weights, bias = fit_logistic((x - means) / scales, y, l2)
    model = {"weights": dict(zip(FEATURES, map(float, weights))), "bias": bias,
             "means": dict(zip(FEATURES, map(float, means))), "scales": dict(zip(FEATURES, map(float, scales))),
             "threshold": 0.5}
    calib_rows = [r for r in rows if r["split"] == CALIBRATION]
    model["threshold"] = choose_threshold(curve(calib_rows, probabilities(calib_rows, model)), max_false)
    model["_fit"] = {"train_rows": len(train), "train_out_of_scope": int(len(y) - y.sum()), "l2": l2,
                     "max_false_abstention": max_false}
    return model


def rounded_model(model: dict, provenance: dict) -> dict:
    r = lambda v: round(float(v), 6)
    return {"_comment": "Coverage model of qa/coverage.py: logistic weights over standardised features, and the "
                        "threshold on P(covered). Written by `python -m eval.calibrate --write` from the calibration "
                        "split only; review a change like any other data file.",
            "features": list(FEATURES),
            "weights": {k: r(v) for k, v in model["weights"].items()}, "bias": r(model["bias"]),
            "threshold": r(model["threshold"]),
            "means": {k: r(v) for k, v in model["means"].items()}, "scales": {k: r(v) for k, v in model["scales"].items()},
            "provenance": provenance}


# --- command line ---------------------------------------------------------------------------
def report_rows(rows: list[dict], model: dict) -> list[list[str]]:
    probs = probabilities(rows, model)
    table = []
    for set_name in dict.fromkeys(r["set"] for r in rows):
        for split in (CALIBRATION, TEST):
            sel = [(r, p) for r, p in zip(rows, probs) if r["set"] == set_name and r["split"] == split]
            if not sel:
                continue
            fig = abstention_figures([r for r, _ in sel], [outcome_at(r, p, model["threshold"]) for r, p in sel])
            f = lambda v: "–" if v is None else f"{v:.3f}"
            table.append([set_name, split, str(fig["n"]), f(fig["abstain_precision"]), f(fig["abstain_recall"]),
                          f"{fig['false_abstentions']}/{fig['n_in_scope']}", f(fig["false_abstention_rate"]),
                          "/".join(str(fig["outcomes"][k]) for k in ("answered", "partial", "not_covered"))])
    return table


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.calibrate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", action="append", required=True, help="FILE[@INDEX_DIR] (repeatable)")
    parser.add_argument("--corpus", default="corpus", help="corpus folder of the indexes (only read if one must be built)")
    parser.add_argument("--rows", type=Path, default=Path("eval/report/coverage_rows.jsonl"),
                        help="where the collected features are written (and read back with --reuse)")
    parser.add_argument("--reuse", action="store_true", help="fit on the rows of a previous run instead of asking again")
    parser.add_argument("--write", action="store_true", help=f"write the fitted model to {MODEL_FILE}")
    parser.add_argument("--max-false", type=float, default=MAX_FALSE_ABSTENTION)
    parser.add_argument("--l2", type=float, default=L2)
    parser.add_argument("--evaluate", action="store_true",
                        help=f"report the model in {MODEL_FILE.name} as it is, without refitting (cannot be combined with --write)")
    args = parser.parse_args(argv)

    if args.reuse:
        rows = [json.loads(line) for line in args.rows.read_text(encoding="utf-8").splitlines() if line.strip()]
    else:
        from qa.engine import open_knowledge_base

        rows, kbs = [], {}
        for spec in args.set:
            file, _, index = spec.partition("@")
            index = index or "index"
            if index not in kbs:
                kbs[index] = open_knowledge_base(Path(index), Path(args.corpus), build_if_missing=False)
            rows += collect(kbs[index], read_set(Path(file)), Path(file).stem,
                            progress=lambda s, n, t: print(f"\r{s} {n}/{t}", end="", file=sys.stderr))
        print(file=sys.stderr)
        args.rows.parent.mkdir(parents=True, exist_ok=True)
        args.rows.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")

    if args.evaluate and args.write:
        parser.error("--evaluate reports the stored model; it writes nothing")
    model = json.loads(MODEL_FILE.read_text(encoding="utf-8")) if args.evaluate else fit_model(rows, args.l2, args.max_false)
    header = ["set", "split", "n", "abst P", "abst R", "false abst", "FA rate", "answered/partial/not_covered"]
    table = report_rows(rows, model)
    widths = [max(len(str(x)) for x in col) for col in zip(header, *table)]
    for line in [header] + table:
        print("  ".join(str(c).ljust(w) for c, w in zip(line, widths)))
    print("weights:", json.dumps({k: round(v, 3) for k, v in model["weights"].items()}), "bias", round(model["bias"], 3),
          "threshold", model["threshold"])
    if args.write:
        calib = [r for r in rows if r["split"] == CALIBRATION]
        provenance = {"date": dt.date.today().isoformat(),
                      "sets": [{"file": Path(s.partition("@")[0]).name, "split": "calibration questions only",
                                "index": "plan + ../shared/policies (15 documents)" if s.partition("@")[2]
                                else "./index (the repository corpus)"} for s in args.set],
                      "calibration_questions": len(calib),
                      "calibration_out_of_scope": sum(r["out_of_scope"] for r in calib),
                      **model["_fit"]}
        MODEL_FILE.write_text(json.dumps(rounded_model(model, provenance), ensure_ascii=False, indent=2) + "\n",
                              encoding="utf-8")
        print(f"wrote {MODEL_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
