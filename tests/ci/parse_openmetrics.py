"""Reads scimdrift's OpenMetrics output with a parser nobody here wrote.

Usage: parse_openmetrics.py METRICS.prom REPORT.json [SNAPSHOT.json]

The metrics file is parsed by prometheus_client's OpenMetrics parser
(`prometheus_client.openmetrics.parser.text_string_to_metric_families`),
which rejects anything the OpenMetrics text format does not allow (a missing
`# EOF`, a unit that is not the name's suffix, duplicate families...). Every
sample must then equal what the JSON report of the same run says: status,
finding counts by kind, severity, PR change and history state, exceptions,
coverage and timestamps. With SNAPSHOT.json (the snapshot the run fetched,
e.g. `--state-dir`'s last-snapshot.json), the fetch metrics must equal its
`stats`. Every family the file holds is checked; one this script does not
know fails it, so a new metric cannot slip by untested.

Exit 0 when everything matches, 1 with one line per mismatch otherwise.
"""

import json
import sys
from datetime import datetime

from prometheus_client.openmetrics.parser import text_string_to_metric_families

STATUSES = ("clean", "drift", "incomplete")
SEVERITIES = ("error", "warning", "note")
CHANGES = ("introduced", "resolved", "unchanged")
SINCE = ("new", "persisting", "resolved")
COVERAGE = {
    "scimdrift_groups": ("groups", ("live", "declared", "ignored", "unmanaged")),
    "scimdrift_users": ("users", ("live", "governed")),
    "scimdrift_embed_users": ("embed_users", ("live", "governed")),
}
FETCH = ("requests", "retries", "rate_limited", "pages")


def unix(text):
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def read_metrics(text):
    """{family: {frozenset(labels): value}}, after checking each family is a gauge."""
    families = {}
    for family in text_string_to_metric_families(text):
        if family.type != "gauge":
            raise SystemExit(f"{family.name}: type {family.type}, expected gauge")
        if not family.documentation:
            raise SystemExit(f"{family.name}: no # HELP text")
        samples = {}
        for sample in family.samples:
            if sample.name != family.name:
                raise SystemExit(f"{family.name}: stray sample {sample.name}")
            key = frozenset(sample.labels.items())
            if key in samples:
                raise SystemExit(f"{family.name}: duplicate sample {dict(sample.labels)}")
            samples[key] = sample.value
        families[family.name] = samples
    return families


def expected(report, snapshot):
    """The samples the report says the metrics file must hold."""
    summary = report["summary"]
    findings = report["findings"]
    by_kind = summary["by_kind"]
    want = {
        "scimdrift_status": {
            frozenset({("status", s)}): float(report["status"] == s) for s in STATUSES
        },
        "scimdrift_findings": {frozenset(): summary["total"]},
        "scimdrift_findings_failing": {frozenset(): summary["failing"]},
        "scimdrift_findings_excused": {frozenset(): summary["excused"]},
        "scimdrift_findings_by_severity": {
            frozenset({("severity", s)}): summary["by_severity"].get(s, 0)
            for s in SEVERITIES
        },
        "scimdrift_exceptions_expiring": {
            frozenset(): by_kind.get("exception_expiring", 0)
        },
        "scimdrift_exceptions_expired": {
            frozenset(): by_kind.get("exception_expired", 0)
        },
    }
    for name, (prefix, states) in COVERAGE.items():
        want[name] = {
            frozenset({("state", s)}): summary["coverage"][f"{prefix}_{s}"]
            for s in states
        }
    if any(f.get("change") for f in findings):
        want["scimdrift_findings_by_change"] = {
            frozenset({("change", c)}): sum(f.get("change") == c for f in findings)
            for c in CHANGES
        }
    if any(f.get("since_last_run") for f in findings):
        want["scimdrift_findings_since_last_run"] = {
            frozenset({("since", s)}): sum(f.get("since_last_run") == s for f in findings)
            for s in SINCE
        }
    now = unix(report["generated_at"])
    want["scimdrift_run_timestamp_seconds"] = {frozenset(): now}
    fetched = report["source"].get("fetched_at")
    if fetched:
        want["scimdrift_snapshot_timestamp_seconds"] = {frozenset(): unix(fetched)}
        want["scimdrift_snapshot_age_seconds"] = {frozenset(): now - unix(fetched)}
    if snapshot is not None:
        stats = snapshot["stats"]
        if stats["requests"] == 0:
            raise SystemExit("the snapshot records no requests: not a live fetch")
        for field in FETCH:
            want[f"scimdrift_fetch_{field}"] = {frozenset(): stats[field]}
        want["scimdrift_fetch_duration_seconds"] = {
            frozenset(): stats["duration_ms"] / 1000
        }
    return want, by_kind


def main(argv):
    if len(argv) not in (3, 4):
        raise SystemExit(__doc__)
    with open(argv[1], encoding="utf-8") as f:
        metrics = read_metrics(f.read())
    with open(argv[2], encoding="utf-8") as f:
        report = json.load(f)
    snapshot = None
    if len(argv) == 4:
        with open(argv[3], encoding="utf-8") as f:
            snapshot = json.load(f)
    want, by_kind = expected(report, snapshot)

    errors = []
    # Every kind is listed (at 0 when absent), so the kinds come from the file;
    # every kind the report counts must be among them.
    kinds = metrics.get("scimdrift_findings_by_kind", {})
    listed = {dict(k)["kind"] for k in kinds}
    for kind in sorted(set(by_kind) - listed):
        errors.append(f"scimdrift_findings_by_kind: kind {kind} missing")
    want["scimdrift_findings_by_kind"] = {
        frozenset({("kind", k)}): by_kind.get(k, 0) for k in listed
    }
    if len(listed) < 10:
        errors.append(f"scimdrift_findings_by_kind: only {len(listed)} kinds listed")

    for name in sorted(set(metrics) - set(want)):
        errors.append(f"{name}: in the file, but this script does not know it")
    for name in sorted(set(want) - set(metrics)):
        errors.append(f"{name}: missing")
    for name in sorted(set(want) & set(metrics)):
        got, expect = metrics[name], want[name]
        if set(got) != set(expect):
            errors.append(
                f"{name}: labels {sorted(map(dict, got), key=str)} != {sorted(map(dict, expect), key=str)}"
            )
            continue
        for labels, value in sorted(expect.items(), key=str):
            if abs(got[labels] - value) > 1e-9:
                errors.append(f"{name}{dict(labels)}: {got[labels]} != {value} (report)")

    samples = sum(len(s) for s in metrics.values())
    if errors:
        for error in errors:
            print(f"{argv[1]}: {error}", file=sys.stderr)
        return 1
    print(
        f"{argv[1]}: {len(metrics)} families, {samples} samples parsed by "
        f"prometheus_client's OpenMetrics parser; all equal {argv[2]}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
