#!/usr/bin/env bash
# Smoke test of a built router binary: test/smoke.sh ROUTER_PATH static|dynamic
# Checks the link claims of README.md and a first-run round trip on a temporary database.
set -euo pipefail
router=$1 link=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

if [[ $link == static ]]; then
  out=$(ldd "$router" 2>&1 || true)
  grep -q "not a dynamic executable" <<< "$out" || fail "ldd shows shared libraries: $out"
  size=$(stat -c %s "$router")
  ((size <= 20 * 1024 * 1024)) || fail "binary is $size bytes, over 20 MiB"
  echo "static: ldd says 'not a dynamic executable', size $size bytes"
fi

db="$tmp/data/router.db"
"$router" --version | grep -Eq '^router [0-9]+\.[0-9]+\.[0-9]+$' || fail "--version"
set +e
"$router" --db "$db" migrate --dry-run > "$tmp/plan.txt"; rc=$?
set -e
((rc == 10)) || fail "migrate --dry-run on a fresh database exited $rc, expected 10"
"$router" --db "$db" migrate > /dev/null
"$router" --db "$db" migrate --dry-run > /dev/null || fail "migrate --dry-run after migrate should exit 0"
"$router" --db "$db" status | grep -q "up to date" || fail "status"
"$router" --db "$db" backup "$tmp/bk" > /dev/null
[[ $(ls "$tmp/bk" | wc -l) == 2 ]] || fail "backup did not write two files"
echo "smoke ok"
