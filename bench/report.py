"""The table, the ratios and the targets, from one run's results; and the JSON file."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).parent / "results"

LABELS = {
    "save_draft": "save draft",
    "submit": "submit (extraction + unlocks)",
    "resolve_program_overview": "resolve program-overview (30 sources)",
    "resolve_one_source": "resolve values (1 source)",
    "check_unlock_status": "check unlock status (program-overview)",
    "progress_summary": "progress summary",
    "app_resolve_program_overview": "app-side resolve program-overview",
    "app_submit": "app-side submit",
    "autosave_sustained": "autosave sustained",
    "resolve_direct": "resolve p-o: shared.* alone, 1 statement",
    "resolve_rate_limited": "resolve p-o: api + rate limit",
}


def find(rows: list[dict[str, Any]], op: str, clients: int | None = None) -> dict[str, Any]:
    for row in rows:
        if row["op"] == op and (clients is None or row["clients"] == clients):
            return row
    return {}


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def ratios(results: dict[str, Any]) -> dict[str, Any]:
    db, app = results["db_level"], results["app_side"]
    high = max(results["settings"]["clients"])
    ceiling, web = results.get("pgbench", []), results.get("http", [])
    out: dict[str, Any] = {
        "app_side_over_in_database_p50": {
            "resolve_program_overview": _ratio(
                find(app, "app_resolve_program_overview", 1).get("p50_ms"),
                find(db, "resolve_program_overview", 1).get("p50_ms"),
            ),
            "submit": _ratio(
                find(app, "app_submit", 1).get("p50_ms"), find(db, "submit", 1).get("p50_ms")
            ),
        },
        f"in_database_over_app_side_throughput_{high}_clients": {
            "resolve_program_overview": _ratio(
                find(db, "resolve_program_overview", high).get("throughput"),
                find(app, "app_resolve_program_overview", high).get("throughput"),
            ),
            "submit": _ratio(
                find(db, "submit", high).get("throughput"),
                find(app, "app_submit", high).get("throughput"),
            ),
        },
    }
    if web and ceiling:
        out["http_throughput_over_pgbench_ceiling"] = {
            op: _ratio(find(web, op, high).get("throughput"), find(ceiling, op).get("throughput"))
            for op in ("resolve_program_overview", "save_draft", "submit")
        }
        out["http_p50_minus_db_p50_ms"] = {
            op: round(find(web, op, 1)["p50_ms"] - find(db, op, 1)["p50_ms"], 3)
            for op in ("resolve_program_overview", "save_draft", "submit")
            if find(web, op, 1) and find(db, op, 1)
        }
    baseline = results.get("baseline")
    if baseline:
        out[f"p50_at_{results['users']}_over_{baseline['users']}_users"] = {
            row["op"]: _ratio(find(db, row["op"], 1).get("p50_ms"), row["p50_ms"])
            for row in baseline["db_level"]
        }
    return out


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    db, r = results["db_level"], results["ratios"]
    checks = [
        (
            "resolve program-overview p50 <= 1 ms (db level)",
            find(db, "resolve_program_overview", 1).get("p50_ms"),
            "<=",
            1.0,
        ),
        (
            "resolve >= 5x faster than app-side (p50)",
            r["app_side_over_in_database_p50"]["resolve_program_overview"],
            ">=",
            5.0,
        ),
        ("submit p50 <= 3 ms (db level)", find(db, "submit", 1).get("p50_ms"), "<=", 3.0),
    ]
    if "http_p50_minus_db_p50_ms" in r:
        checks += [
            (f"thin layer adds <= 1.5 ms at p50 ({op})", value, "<=", 1.5)
            for op, value in r["http_p50_minus_db_p50_ms"].items()
        ]
        checks += [
            (f"HTTP throughput >= 30% of pgbench ceiling ({op})", value, ">=", 0.3)
            for op, value in r["http_throughput_over_pgbench_ceiling"].items()
        ]
        autosave = find(results["http"], "autosave_sustained")
        if autosave:
            checks.append(
                (
                    f"autosave {autosave['target_rate']}/s sustained (achieved/s)",
                    autosave["throughput"],
                    ">=",
                    autosave["target_rate"],
                )
            )
            checks.append(("autosave p99 < 50 ms", autosave["p99_ms"], "<", 50.0))
    key = next((k for k in r if k.startswith("p50_at_")), None)
    if key:
        checks += [(f"{key} <= 1.5 ({op})", value, "<=", 1.5) for op, value in r[key].items()]
    out = []
    for label, value, sign, bound in checks:
        met = value is not None and (
            value <= bound if sign == "<=" else value >= bound if sign == ">=" else value < bound
        )
        out.append({"target": label, "value": value, "bound": f"{sign} {bound}", "met": met})
    return out


def table(results: dict[str, Any]) -> str:
    lines = [
        f"Fast Track benchmark: {results['users']:,} users, {results['machine']['cores']} "
        f"cores, {results['machine']['postgres']}, load average at start "
        f"{results['machine']['load_average_start']}",
        "",
    ]
    head = (
        f"{'operation':<40} {'level':<9} {'clients':>7} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'ops/s':>8} {'errors':>6}"
    )
    lines += [head, "-" * len(head)]
    sections = [
        ("db", results["db_level"]),
        ("db", results.get("db_variants", [])),
        ("app-side", results["app_side"]),
        ("pgbench", results.get("pgbench", [])),
        ("http", results.get("http", [])),
    ]
    for level, rows in sections:
        for row in rows:
            lines.append(
                f"{LABELS.get(row['op'], row['op']):<40} {level:<9} {row['clients']:>7} "
                f"{row['p50_ms']:>8.3f} {row['p95_ms']:>8.3f} {row['p99_ms']:>8.3f} "
                f"{row['throughput']:>8.0f} {row['errors']:>6}"
            )
    baseline = results.get("baseline")
    if baseline:
        lines += ["", f"baseline: {baseline['users']:,} users, db level, 1 client"]
        for row in baseline["db_level"]:
            lines.append(
                f"{LABELS.get(row['op'], row['op']):<40} {'db':<9} {row['clients']:>7} "
                f"{row['p50_ms']:>8.3f} {row['p95_ms']:>8.3f} {row['p99_ms']:>8.3f} "
                f"{row['throughput']:>8.0f} {row['errors']:>6}"
            )
    lines += ["", "ratios"]
    for name, values in results["ratios"].items():
        lines.append(f"  {name}: " + ", ".join(f"{k} {v}" for k, v in values.items()))
    if results.get("explain"):
        lines += ["", "EXPLAIN ANALYZE, ms: planning / execution, first call -> cached plan"]
        for plan in results["explain"]:
            if "error" in plan:
                lines.append(f"  {plan['query']}: not explained ({plan['error']})")
                continue
            lines.append(
                f"  {plan['query']}: {plan['planning_first_ms']} / {plan['execution_first_ms']}"
                f" -> {plan['planning_ms']} / {plan['execution_ms']}"
                + (" (generic plan)" if plan["generic_plan"] else " (custom plan)")
            )
    lines += ["", "targets"]
    for check in results["targets"]:
        lines.append(
            f"  [{'met' if check['met'] else 'MISSED'}] {check['target']}: "
            f"{check['value']} (want {check['bound']})"
        )
    return "\n".join(lines)


def write(results: dict[str, Any], out: Path | None = None) -> Path:
    path = out or RESULTS_DIR / f"{datetime.now().strftime('%Y-%m-%d')}-{results['users']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def markdown(results: dict[str, Any]) -> str:
    """The same results as Markdown tables (docs/PERFORMANCE.md is written from this)."""
    m = results["machine"]
    out = [
        f"{results['users']:,} users, {m['cores']} cores, PostgreSQL {m.get('postgres')} "
        f"(shared_buffers {m.get('shared_buffers')}), started {results['started_at']}, "
        f"load average at start {tuple(round(x, 2) for x in m['load_average_start'])}, "
        f"at end {tuple(round(x, 2) for x in m.get('load_average_end', ()))}.",
        "",
        "| operation | level | clients | p50 ms | p95 ms | p99 ms | ops/s | errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    sections = [
        ("db", results["db_level"]),
        ("db", results.get("db_variants", [])),
        ("app-side", results["app_side"]),
        ("pgbench", results.get("pgbench", [])),
        ("http", results.get("http", [])),
    ]
    for level, rows in sections:
        for row in rows:
            out.append(
                f"| {LABELS.get(row['op'], row['op'])} | {level} | {row['clients']} | "
                f"{row['p50_ms']:.3f} | {row['p95_ms']:.3f} | {row['p99_ms']:.3f} | "
                f"{row['throughput']:.0f} | {row['errors']} |"
            )
    baseline = results.get("baseline")
    if baseline:
        out += ["", f"Baseline database, {baseline['users']:,} users, db level, 1 client:", ""]
        out += ["| operation | p50 ms | p95 ms | p99 ms | ops/s |", "|---|---:|---:|---:|---:|"]
        for row in baseline["db_level"]:
            out.append(
                f"| {LABELS.get(row['op'], row['op'])} | {row['p50_ms']:.3f} | "
                f"{row['p95_ms']:.3f} | {row['p99_ms']:.3f} | {row['throughput']:.0f} |"
            )
    cpu_rows = [r for r in results.get("http", []) if r.get("cpu_ms_per_request")]
    if cpu_rows:
        out += ["", "CPU milliseconds per HTTP request, by process:", ""]
        out += [
            "| endpoint | connections | server + Flask | PostgreSQL | load generator |",
            "|---|---:|---:|---:|---:|",
        ]
        for row in cpu_rows:
            cpu = row["cpu_ms_per_request"]
            out.append(
                f"| {LABELS.get(row['op'], row['op'])} | {row['clients']} | {cpu['service']} | "
                f"{cpu['postgres']} | {cpu['load_generator']} |"
            )
    out += ["", "Ratios:", ""]
    for name, values in results["ratios"].items():
        out.append(f"- {name}: " + ", ".join(f"{k} **{v}**" for k, v in values.items()))
    out += ["", "Targets:", "", "| target | value | wanted | |", "|---|---:|---|---|"]
    for check in results["targets"]:
        out.append(
            f"| {check['target']} | {check['value']} | {check['bound']} | "
            f"{'met' if check['met'] else '**missed**'} |"
        )
    return "\n".join(out)


def explain_markdown(results: dict[str, Any]) -> str:
    out = []
    for plan in results.get("explain", []):
        if "error" in plan:
            continue
        kind = "generic" if plan["generic_plan"] else "custom"
        out += [
            f"#### {plan['query']}",
            "",
            f"First execution: planning {plan['planning_first_ms']} ms, execution "
            f"{plan['execution_first_ms']} ms. Cached ({kind} plan): planning "
            f"{plan['planning_ms']} ms, execution {plan['execution_ms']} ms.",
            "",
            "```",
            plan["plan"],
            "```",
            "",
        ]
    return "\n".join(out)


if __name__ == "__main__":
    import sys

    loaded = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    print(markdown(loaded))
    if "--explain" in sys.argv:
        print()
        print(explain_markdown(loaded))
