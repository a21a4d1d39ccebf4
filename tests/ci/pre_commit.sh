#!/usr/bin/env bash
# The pre-commit hooks (.pre-commit-hooks.yaml) run by PyPI `pre-commit`
# itself, offline, against a throw-away policies repository: `pre-commit
# try-repo` points at this checkout, the hooks run the `scimdrift` on PATH.
# Clean policies and their policy tests pass (scimdrift-validate,
# scimdrift-test); a policy with an unknown key fails with its location.
#
# Usage: tests/ci/pre_commit.sh PRE_COMMIT SCIMDRIFT_BIN_DIR
set -euo pipefail
pre_commit=$(realpath "$1")
bin_dir=$(realpath "$2")
checkout=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PATH="$bin_dir:$PATH"
export PRE_COMMIT_HOME="$work/home"
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
git() { command git -c user.name=ci -c user.email=ci@example.invalid -c init.defaultBranch=main "$@"; }

repo="$work/policies-repo"
mkdir -p "$repo"
cp -r "$checkout/policies" "$repo/policies"
cp -r "$checkout/policy-tests" "$repo/policy-tests"
printf 'policies = "policies"\n' > "$repo/scimdrift.toml"
git -C "$repo" init -q
git -C "$repo" add -A
git -C "$repo" commit -q -m policies

cd "$repo"
for hook in scimdrift-validate scimdrift-test; do
  "$pre_commit" try-repo "$checkout" "$hook" --all-files > "$work/ok.log" 2>&1 || {
    cat "$work/ok.log"
    echo "pre-commit: $hook failed on clean policies" >&2
    exit 1
  }
  grep -q "^${hook/-/ }.*Passed\$" "$work/ok.log" || { cat "$work/ok.log"; exit 1; }
done

printf 'groups:\n  - name: Admins\n    must_be_inn: []\n' > policies/broken.yaml
git add policies/broken.yaml
if "$pre_commit" try-repo "$checkout" scimdrift-validate --all-files > "$work/bad.log" 2>&1; then
  cat "$work/bad.log"
  echo "pre-commit: scimdrift-validate passed a broken policy" >&2
  exit 1
fi
grep -q 'broken.yaml:3:5' "$work/bad.log" || { cat "$work/bad.log"; exit 1; }
echo "pre-commit: scimdrift-validate and scimdrift-test pass clean policies; scimdrift-validate fails a broken one (broken.yaml:3:5)"
