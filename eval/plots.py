"""PNG plots for the report (matplotlib, Agg backend: no display needed)."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLORS = {"bm25": "#8c8c8c", "dense": "#4c72b0", "hybrid": "#dd8452", "full": "#55a868"}


def plot_recall_curves(curves: dict[str, list[float]], path: Path) -> Path:
    """curves: system → [recall@1, recall@2, …]."""
    fig, ax = plt.subplots(figsize=(6, 4), dpi=110)
    for system, values in curves.items():
        ks = range(1, len(values) + 1)
        ax.plot(ks, values, marker="o", label=system, color=COLORS.get(system))
    ax.set_xlabel("k (clauses retrieved)")
    ax.set_ylabel("Recall@k")
    ax.set_ylim(0, 1.02)
    ax.set_xticks(range(1, max((len(v) for v in curves.values()), default=1) + 1))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    ax.set_title("Recall@k per system (in-scope questions)")
    return _save(fig, path)


def plot_by_type(by_type: dict[str, dict[str, dict]], metrics: tuple[str, ...], path: Path) -> Path:
    """by_type: system → type → metrics; one panel per metric, one bar per system, types along x."""
    systems = list(by_type)
    types = []
    for per_type in by_type.values():
        types += [t for t in per_type if t not in types]
    fig, axes = plt.subplots(len(metrics), 1, figsize=(max(7, 1.1 * len(types)), 3.2 * len(metrics)), dpi=110,
                             squeeze=False)
    width = 0.8 / max(len(systems), 1)
    for ax, metric in zip(axes[:, 0], metrics):
        shown = [t for t in types if any(by_type[s].get(t, {}).get(metric) is not None for s in systems)]
        for j, system in enumerate(systems):
            values = [by_type[system].get(t, {}).get(metric) or 0.0 for t in shown]
            xs = [i + (j - (len(systems) - 1) / 2) * width for i in range(len(shown))]
            ax.bar(xs, values, width, label=system, color=COLORS.get(system))
        ax.set_xticks(range(len(shown)))
        ax.set_xticklabels(shown)
        ax.set_ylim(0, 1.05)
        ax.set_ylabel(metric)
        ax.grid(axis="y", alpha=0.3)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.suptitle("By question type", x=0.02, ha="left")
    fig.legend(handles, labels, loc="upper right", ncol=len(systems), frameon=False)
    return _save(fig, path, rect=(0, 0, 1, 0.97))


def plot_coverage_curve(points: list[dict], operating: dict | None, path: Path) -> Path:
    """Abstention precision against recall as the coverage threshold moves, the operating point marked."""
    fig, ax = plt.subplots(figsize=(6, 4), dpi=110)
    usable = [p for p in points if p["abstain_precision"] is not None and p["abstain_recall"] is not None]
    ax.plot([p["abstain_recall"] for p in usable], [p["abstain_precision"] for p in usable], marker=".",
            color=COLORS["full"], label="coverage threshold swept")
    if operating and operating["abstain_recall"] is not None and operating["abstain_precision"] is not None:
        ax.scatter([operating["abstain_recall"]], [operating["abstain_precision"]], s=90, color="#c44e52", zorder=3,
                   label=f"operating point (threshold {operating['threshold']:.3f})")
    ax.set_xlabel("abstention recall (out-of-scope questions abstained on)")
    ax.set_ylabel("abstention precision")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left")
    ax.set_title("Coverage decision: precision / recall")
    return _save(fig, path)


def _save(fig, path: Path, rect=None) -> Path:
    """Lay the figure out, write it to `path` and free it."""
    fig.tight_layout(rect=rect)
    fig.savefig(path)
    plt.close(fig)
    return path
