#!/usr/bin/env bash
# The whole performance table of BENCHMARKS.md ("banli against the floor") in one command:
#   bash bench/compare.sh [SCALE] [banli-bench compare options…]
# SCALE is small, 100k or 1m (default 1m). On a fresh machine it installs wrk (Debian), builds
# the release binaries, generates the data set once per database (SQLite in target/bench/,
# PostgreSQL in the database banli_bench_SCALE at 127.0.0.1:5432 when one answers; reused by
# later runs) and runs `banli-bench compare` on each. Output is also saved to
# target/bench/compare-SCALE-DATE.txt. The write mix answers open assignments, so every run
# leaves the data set a little more answered (regenerate with BANLI_BENCH_REGENERATE=1).
set -euo pipefail
cd "$(dirname "$0")/.."
scale=${1:-1m}
shift || true
pg_admin=${BANLI_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
mkdir -p target/bench
out=target/bench/compare-$scale-$(date -u +%Y%m%dT%H%M%S).txt

if ! command -v wrk >/dev/null; then
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
wrk --version 2>&1 | head -n 1 || true
cargo build --release -p banli -p banli-bench --bins
bench=./target/release/banli-bench

run() {
  local url=$1
  shift
  echo "=== $url"
  "$bench" --database-url "$url" compare "$@"
}

{
  sqlite=target/bench/banli-$scale.db
  if [ -n "${BANLI_BENCH_REGENERATE:-}" ]; then rm -f "$sqlite" "$sqlite-wal" "$sqlite-shm"; fi
  if [ ! -f "$sqlite" ]; then
    "$bench" --database-url "sqlite://$sqlite" generate --scale "$scale"
  fi
  run "sqlite://$sqlite" "$@"

  if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    db=banli_bench_$scale
    if [ -n "${BANLI_BENCH_REGENERATE:-}" ]; then psql "$pg_admin/postgres" -qc "DROP DATABASE IF EXISTS $db"; fi
    if ! psql "$pg_admin/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
      psql "$pg_admin/postgres" -qc "CREATE DATABASE $db"
      "$bench" --database-url "$pg_admin/$db" generate --scale "$scale"
    fi
    # PostGraphile 4 beside them (npm, into target/postgraphile; reused by later runs).
    postgraphile=target/postgraphile/node_modules/.bin/postgraphile
    if [ ! -x "$postgraphile" ] && command -v npm >/dev/null; then
      mkdir -p target/postgraphile
      (cd target/postgraphile && npm install --no-audit --no-fund --silent postgraphile@4.14.1 >/dev/null)
    fi
    if [ -x "$postgraphile" ]; then
      echo "PostGraphile $("$postgraphile" --version | head -n 1)"
      run "$pg_admin/$db" --postgraphile "$postgraphile" "$@"
    else
      echo "npm is not installed: PostGraphile is skipped"
      run "$pg_admin/$db" "$@"
    fi
  else
    echo "PostgreSQL does not answer at 127.0.0.1:5432: the PostgreSQL table is skipped"
  fi
} 2>&1 | tee "$out"
echo "saved to $out"
