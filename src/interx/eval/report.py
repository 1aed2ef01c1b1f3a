"""Reports: JSON written atomically, with a markdown rendering beside it.

Every protocol returns a dict whose `rows` map a row name (ground_truth,
shuffled_texts, a model) to its metrics; a metric is a number, null, a
`{"mean": m, "ci": c}` summary over replications, or (forecast horizons) a
dict of those by key. `markdown_table(rows)` renders any such `rows`;
`report_markdown(report)` renders a whole embedding-protocol report (rows,
interaction metrics, per-class macro averages, per-granularity R-precision);
`write_report(report, path)` writes `path` (JSON) and the markdown beside it
(`path` with the suffix `.md`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from interx.data.safe_io import write_json, write_text

# Interaction metrics shown in the markdown (the JSON has them all).
INTERACTION_COLUMNS = ("contact_ratio", "contact_map_distance", "penetration_mean_depth", "penetration_frame_share",
                       "sync_abs_lag_s", "sync_peak", "contact_f1", "sync_lag_error_s", "foot_skating_ratio",
                       "jitter", "bone_length_variation")


def _cell(value, digits: int) -> str:
    if value is None:
        return "-"
    if isinstance(value, Mapping) and "mean" in value:
        if value.get("ci") is None:
            return _cell(value["mean"], digits)
        return f"{value['mean']:.{digits}f} ± {value['ci']:.{digits}f}"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return f"{value:.{digits}f}" if isinstance(value, float) else str(value)
    return str(value)


def _flatten(row: Mapping) -> dict:
    """Nested metric dicts (e.g. {"mpjpe": {"0.5": ...}}) flattened to "mpjpe 0.5"."""
    out = {}
    for key, value in row.items():
        if isinstance(value, Mapping) and "mean" not in value:
            out.update({f"{key} {k}": v for k, v in _flatten(value).items()})
        elif not isinstance(value, (list, tuple)):
            out[key] = value
    return out


def markdown_table(rows: Mapping[str, Mapping], columns: Sequence[str] | None = None, digits: int = 3,
                   first: str = "row") -> str:
    """A markdown table with one line per row and one column per metric.

    Args:
        rows: {row name: {metric: value}} (values as in the module doc; lists are skipped).
        columns: metrics to show, in order (default: every metric, in order of first appearance).
        digits: decimals.
        first: header of the row-name column.
    """
    flat = {name: _flatten(row) for name, row in rows.items()}
    if columns is None:
        columns = list(dict.fromkeys(k for row in flat.values() for k in row))
    lines = ["| " + " | ".join([first, *columns]) + " |", "|" + "---|" * (len(columns) + 1)]
    for name, row in flat.items():
        lines.append("| " + " | ".join([name, *(_cell(row.get(c), digits) for c in columns)]) + " |")
    return "\n".join(lines)


def report_markdown(report: Mapping) -> str:
    """The whole report as markdown: settings line, rows, and the breakdowns it holds."""
    settings = report.get("settings", {})
    head = [f"# {settings.get('task', 'evaluation')} ({report.get('protocol', '')} protocol)", ""]
    described = {k: settings[k] for k in ("split", "sequences", "evaluator", "batch_size", "replications", "seed")
                 if k in settings}
    if described:
        head += [", ".join(f"{k}: {v}" for k, v in described.items()), ""]
    parts = ["\n".join(head), markdown_table(report["rows"])]
    for note in settings.get("warnings", ()):
        parts.append(f"Note: {note}")
    interaction = report.get("interaction") or {}
    if interaction:
        columns = [c for c in INTERACTION_COLUMNS if any(c in row for row in interaction.values())]
        parts.append("## Interaction metrics\n\n" + markdown_table(interaction, columns, digits=4))
    per_class = report.get("per_class") or {}
    if per_class and all(isinstance(v, Mapping) and "macro" in v for v in per_class.values()):
        parts.append("## Per-class macro average\n\n" + markdown_table({r: v["macro"] for r, v in per_class.items()}))
    per_granularity = report.get("per_granularity") or {}
    if per_granularity:
        lines = {f"{r} {g}": values for r, groups in per_granularity.items() for g, values in groups.items()}
        parts.append("## By caption length\n\n" + markdown_table(lines))
    return "\n\n".join(parts) + "\n"


def write_report(report: Mapping, path: Path | str) -> Path:
    """Write the report as JSON at `path` and its markdown at `path` with suffix .md; returns the markdown path."""
    path = Path(path)
    write_json(path, report)
    markdown = path.with_suffix(".md")
    write_text(markdown, report_markdown(report))
    return markdown
