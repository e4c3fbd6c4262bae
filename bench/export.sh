#!/usr/bin/env bash
# Times the spreadsheet exports against an existing data set (`banli-bench generate`) and
# prints the server's peak RSS after each: bench/export.sh DATABASE_URL [QUERY]
# QUERY defaults to the suggestions submitted in 2025–2026 (two sessions of the 1m set).
# Needs a release build: cargo build --release --bin banli.
set -euo pipefail
url=${1:?database url}
query=${2:-submittedFrom=2025-01-01&submittedTo=2026-12-31}
bin=./target/release/banli
port=18931
export BANLI_DATABASE_URL=$url BANLI_LISTEN=127.0.0.1:$port BANLI_LOG=warn
export BANLI_USER_PASSWORD='bench export password 2026'
$bin user add --role OFFICE_ADMIN --name bench-export >/dev/null 2>&1 || true
$bin serve & server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
token=$(curl -sf "http://127.0.0.1:$port/graphql" -H 'content-type: application/json' \
  -d "{\"query\":\"mutation { login(input: {username: \\\"bench-export\\\", password: \\\"$BANLI_USER_PASSWORD\\\"}) { token } }\"}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["login"]["token"])')
rss() { awk '/VmHWM/ {printf "%.0f MB", $2/1024}' /proc/$server/status; }
echo "server started, peak RSS $(rss)"
for ext in csv xlsx csv xlsx; do
  out=/tmp/banli-export.$ext
  t=$( { /usr/bin/time -f %e curl -sf -o $out -H "authorization: Bearer $token" \
        "http://127.0.0.1:$port/export/suggestions.$ext?$query"; } 2>&1 )
  rows=$(python3 - "$out" <<'PY'
import sys, zipfile, re
p = sys.argv[1]
if p.endswith(".csv"):
    print(sum(1 for _ in open(p, encoding="utf-8-sig")) - 1)
else:
    with zipfile.ZipFile(p) as z:
        print(len(re.findall(rb"<row ", z.read("xl/worksheets/sheet1.xml"))) - 1)
PY
)
  echo "suggestions.$ext: $rows rows, $(du -m $out | cut -f1) MB in ${t} s; server peak RSS $(rss)"
done
