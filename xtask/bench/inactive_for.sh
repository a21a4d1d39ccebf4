#!/usr/bin/env bash
# The cost of `inactive_for` rules (issue 16, acceptance 4): the release
# `scimdrift check` on the bench-engine workload with its policy set alone
# ("without"), with three `inactive_for` rules added that name groups nobody
# is in ("quiet": the cost of deciding who is inactive) and with the same
# rules on real groups ("with": that cost plus the findings they add), in
# interleaved rounds whose order alternates (so that a drift of the machine's
# speed cancels out).
# Usage: xtask/bench/inactive_for.sh [SIZE] [ROUNDS]
# RAYON_NUM_THREADS=1 measures the work on one core (much less noisy than
# two threads on a shared machine).
# Needs `cargo xtask bench-engine --sizes SIZE` (or `--debug --dry-run`) run
# once to write target/bench-engine/SIZE/{org.json,policies/}, and
# `cargo build --release -p scimdrift-cli`.
set -euo pipefail
cd "$(dirname "$0")/../.."
size=${1:-M}
rounds=${2:-15}
bin=${SCIMDRIFT:-target/release/scimdrift}
dir=target/bench-engine/$size
write_rules() { # DIR SED
  rm -rf "$1" && cp -r "$dir/policies" "$1"
  sed "$2" > "$1/inactive.yaml" <<'YAML'
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
}
write_rules "$dir/policies-inactive" ''
write_rules "$dir/policies-quiet" 's/\["Admins", "Finance\*"\]/["No such group 1*"]/; s/\["Legal\*", "Sales\*"\]/["No such group 2*"]/; s/\["Design\*"\]/["No such group 3*"]/'
run() {
  /usr/bin/time -f "%e %U %S" "$bin" check --now 2027-01-01T00:00:00Z --format json \
    --snapshot "$dir/org.json" --policies "$1" 2>&1 >/dev/null | tail -n 1
}
for p in policies policies-quiet policies-inactive; do # each must run; findings counted once
  "$bin" check --now 2027-01-01T00:00:00Z --format json --snapshot "$dir/org.json" --policies "$dir/$p" \
    | python3 -c 'import json,sys; r=json.load(sys.stdin); print(sys.argv[1], "findings:", r["summary"]["total"], r["summary"]["by_kind"].get("membership_forbidden", 0), "membership_forbidden")' "$p" || true
done
echo "threads: ${RAYON_NUM_THREADS:-all}, rounds: $rounds"
for i in $(seq "$rounds"); do
  if [ $((i % 2)) = 1 ]; then order="policies policies-quiet policies-inactive"; else order="policies-inactive policies-quiet policies"; fi
  for p in $order; do echo "$i $p $(run "$dir/$p")"; done
done | python3 -c '
import sys, statistics
rows = {}
for line in sys.stdin:
    i, k, wall, user, sys_ = line.split()
    rows.setdefault(k, {})[i] = (float(wall), float(user) + float(sys_))
base = rows["policies"]
for k, v in rows.items():
    wr = statistics.median(v[i][0] / base[i][0] for i in v)
    cr = statistics.median(v[i][1] / base[i][1] for i in v)
    print(f"{k}: wall median {statistics.median(w for w, _ in v.values()):.2f} s, CPU median {statistics.median(c for _, c in v.values()):.2f} s; per-round ratio to without: wall {wr:.3f}x, CPU {cr:.3f}x")
'
