#!/usr/bin/env bash
# The cost of `inactive_for` rules (issue 16, acceptance 4): the release
# `scimdrift check` on the bench-engine workload, with its policy set alone and
# with three `inactive_for` rules added, in interleaved rounds.
# Usage: xtask/bench/inactive_for.sh [SIZE] [ROUNDS]
# Needs `cargo xtask bench-engine --sizes SIZE` (or `--debug --dry-run`) run
# once to write target/bench-engine/SIZE/{org.json,policies/}, and
# `cargo build --release -p scimdrift-cli`.
set -euo pipefail
cd "$(dirname "$0")/../.."
size=${1:-M}
rounds=${2:-5}
bin=${SCIMDRIFT:-target/release/scimdrift}
dir=target/bench-engine/$size
with=$dir/policies-inactive
rm -rf "$with" && cp -r "$dir/policies" "$with"
if [ "${QUIET_RULES:-}" = 1 ]; then
  # The same rules naming groups nobody is in: the cost of deciding who is
  # inactive, without the cost of reporting more findings.
  sed_groups='s/\["Admins", "Finance\*"\]/["No such group 1*"]/; s/\["Legal\*", "Sales\*"\]/["No such group 2*"]/; s/\["Design\*"\]/["No such group 3*"]/'
else
  sed_groups=''
fi
sed "$sed_groups" > "$with/inactive.yaml" <<'YAML'
version: 1
users:
  - id: bench-stale-privileged
    inactive_for: 90d
    must_not_be_in: ["Admins", "Finance*"]
  - id: bench-stale-active
    where: 'active eq true'
    inactive_for: 13w
    must_not_be_in: ["Legal*", "Sales*"]
embed_users:
  - id: bench-stale-embed
    inactive_for: 26w
    must_not_be_in: ["Design*"]
YAML
run() {
  /usr/bin/time -f "%e %U %S" "$bin" check --now 2027-01-01T00:00:00Z --format json \
    --snapshot "$dir/org.json" --policies "$1" 2>&1 >/dev/null | tail -n 1
}
for p in "$dir/policies" "$with"; do # both must run; findings counted once
  "$bin" check --now 2027-01-01T00:00:00Z --format json --snapshot "$dir/org.json" --policies "$p" \
    | python3 -c 'import json,sys; r=json.load(sys.stdin); print(sys.argv[1], "findings:", r["summary"]["total"], r["summary"]["by_kind"].get("membership_forbidden", 0), "membership_forbidden")' "$p" || true
done
for i in $(seq "$rounds"); do
  echo "without $(run "$dir/policies")"
  echo "with $(run "$with")"
done | python3 -c '
import sys, statistics
rows = {"without": [], "with": []}
ratios, last = [], None
for line in sys.stdin:
    k, wall, user, sys_ = line.split()
    rows[k].append((float(wall), float(user) + float(sys_)))
    if k == "with": ratios.append(float(wall) / rows["without"][-1][0])
for k, v in rows.items():
    print(f"{k}: wall median {statistics.median(w for w, _ in v):.2f} s (min {min(w for w, _ in v):.2f}, max {max(w for w, _ in v):.2f}), CPU median {statistics.median(c for _, c in v):.2f} s")
print(f"with / without (wall, median of per-round ratios): {statistics.median(ratios):.3f}x over {len(ratios)} rounds")
cpu = {k: statistics.median(c for _, c in v) for k, v in rows.items()}
print(f"with / without (CPU medians): {cpu[chr(119)+chr(105)+chr(116)+chr(104)] / cpu[max(cpu, key=len)]:.3f}x")
'
