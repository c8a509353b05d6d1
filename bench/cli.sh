#!/usr/bin/env bash
# What one CLI command costs: the CPU time of a `pullcluster pull` client process and its wall time, for
# an image the node already holds (so the node only checks the tag with the registry and answers from its
# store: what is left is the client's start, its connection to the node and the reply). Each tool gets a
# node on a fresh store and one cold pull first; then N rounds of warm pulls, the tools taking turns.
#
#   bench/cli.sh                                         (N=40, TOOLS=pullcluster)
#   BASELINE=/path/to/older/checkout TOOLS="baseline pullcluster" bench/cli.sh
#
# Prints per tool the median and mean wall time of a warm pull and the client's mean CPU (user + system).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

N=${N:-40}
TOOLS=${TOOLS:-pullcluster}
REF=${REF:-bench/many:1}
for tool in $TOOLS; do
  [ -f "$BENCH_ROOT/bench/tools/$tool.sh" ] || { echo "unknown tool '$tool'" >&2; exit 2; }
  . "$BENCH_ROOT/bench/tools/$tool.sh"
done

registry_up "$REGDIR" "$REG"
cleanup() {
  for tool in $TOOLS; do "${tool}_stop" || true; done
  [ "$REGISTRY_STARTED" = 1 ] && registry_down "$REGDIR"
}
trap cleanup EXIT
for tool in $TOOLS; do "${tool}_prepare"; done
bash "$BENCH_ROOT/bench/images.sh" >/dev/null

STAMP=$(date +%Y%m%d-%H%M%S)
OUT=$BENCH_DIR/results/cli-$STAMP.csv
mkdir -p "$(dirname "$OUT")"
echo "tool,i,wall_s,cpu_s" > "$OUT"
# The shell's `times` adds up the CPU of the children it waited for: the difference around one client is its
# CPU (the node runs in a session of its own and is not counted).
# `times` must run in this shell, not in a pipeline's subshell, to see this shell's children.
cpu_seconds() { tail -1 "$1" | awk '{ split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%.4f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }'; }
# Every tool's node runs at once and the tools take turns, swapping places each round, so drift in the
# machine's load falls on all of them alike.
for tool in $TOOLS; do
  "${tool}_reset" "cli-$STAMP-$tool" || { echo "$tool: starting its node failed" >&2; exit 1; }
  ( "${tool}_pull" "$REF" 0 ) || { echo "$tool: the cold pull of $REF failed" >&2; exit 1; }
done
order=($TOOLS)
for i in $(seq "$N"); do
  for tool in "${order[@]}"; do
    times > "$BENCH_DIR/cpu0"
    t0=$(now)
    ( "${tool}_pull" "$REF" "$i" ) || { echo "$tool: warm pull $i of $REF failed" >&2; exit 1; }
    t1=$(now)
    times > "$BENCH_DIR/cpu1"
    echo "$tool,$i,$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }'),$(awk -v a="$(cpu_seconds "$BENCH_DIR/cpu0")" -v b="$(cpu_seconds "$BENCH_DIR/cpu1")" 'BEGIN { printf "%.4f", b - a }')" >> "$OUT"
  done
  order=($(printf '%s\n' "${order[@]}" | tac))
done
for tool in $TOOLS; do "${tool}_purge"; done

python3 - "$OUT" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(f"{'tool':<13}{'n':>4} {'wall_median_ms':>15} {'wall_mean_ms':>13} {'client_cpu_mean_ms':>19}")
for tool in dict.fromkeys(r["tool"] for r in rows):
    w = [float(r["wall_s"]) * 1000 for r in rows if r["tool"] == tool]
    c = [float(r["cpu_s"]) * 1000 for r in rows if r["tool"] == tool]
    print(f"{tool:<13}{len(w):>4} {statistics.median(w):>15.1f} {statistics.mean(w):>13.1f} {statistics.mean(c):>19.1f}")
PY
echo "raw: $OUT" >&2
