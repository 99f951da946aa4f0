#!/usr/bin/env bash
# Render OUTPUT/report.html to a PNG in headless Chromium, to look at the layout.
# Usage: scripts/render_report.sh OUTPUT [PNG]   (Debian: apt-get install -y chromium)
set -euo pipefail
out=${1:?usage: scripts/render_report.sh OUTPUT [PNG]}
png=${2:-$out/report.png}
report=$(realpath "$out/report.html")
[ -f "$report" ] || { echo "no $report: run 'curator report $out' first" >&2; exit 2; }
command -v chromium >/dev/null || { echo "chromium not found: apt-get install -y chromium" >&2; exit 2; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$profile" \
  --window-size=1200,${HEIGHT:-4000} --screenshot="$(realpath -m "$png")" "file://$report" 2>/dev/null
echo "$png"
