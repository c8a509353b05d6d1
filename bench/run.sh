#!/usr/bin/env bash
# Cold-store pull benchmark: PullCluster against containerd and skopeo, in one run, on the images
# of bench/images.sh served by the bench's own registry on 127.0.0.1:5000.
#
# What is measured, per scenario, tool and repetition: the wall time from starting the client
# processes to the last one exiting (the run bounded by TMO seconds), after the tool's store was
# emptied and its daemon (containerd, PullCluster node) started; and what the registry served in
# that window, read from its access log (blob bytes and GETs). Repetitions of the tools interleave,
# so a slow patch of the shared machine hits all of them.
#
#   base-gz      1 pull of bench/base:1 (3 layers, 78 MB gzip, 220 MB of tar)
#   base-zst     1 pull of bench/base:1-zstd
#   c20-base-gz  20 client processes pulling bench/base:1 at once
#   app1+app2    bench/app1:1 and bench/app2:1 at once (they share base's 3 layers)
#   many-gz      1 pull of bench/many:1 (40 small layers)
#
# Usage: bench/run.sh                       (REPS=3, all tools, all scenarios)
#        REPS=5 TOOLS="containerd skopeo" SCENARIOS="base-gz many-gz" bench/run.sh
# Results: a table per scenario on stdout, raw CSV and the same report under
# /var/tmp/pullcluster-bench/results/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

REPS=${REPS:-3}
TOOLS=${TOOLS:-"pullcluster containerd skopeo"}
SCENARIOS=${SCENARIOS:-"base-gz base-zst c20-base-gz app1+app2 many-gz"}
TMO=${TMO:-600}
declare -A REFS=(
  [base-gz]="bench/base:1"
  [base-zst]="bench/base:1-zstd"
  [c20-base-gz]="$(printf 'bench/base:1 %.0s' $(seq 20))"
  [app1+app2]="bench/app1:1 bench/app2:1"
  [many-gz]="bench/many:1"
)
for sc in $SCENARIOS; do
  [ -n "${REFS[$sc]:-}" ] || { echo "unknown scenario '$sc' (known: ${!REFS[*]})" >&2; exit 2; }
done
for tool in $TOOLS; do
  [ -f "$BENCH_ROOT/bench/tools/$tool.sh" ] || { echo "unknown tool '$tool'" >&2; exit 2; }
  . "$BENCH_ROOT/bench/tools/$tool.sh"
done

STAMP=$(date +%Y%m%d-%H%M%S)
RES=$BENCH_DIR/results
LOGS=$BENCH_DIR/work/logs-$STAMP
CSV=$RES/run-$STAMP.csv
mkdir -p "$RES" "$LOGS"

registry_up "$REGDIR" "$REG"
cleanup() {
  for tool in $TOOLS; do "${tool}_stop" || true; done
  [ "$REGISTRY_STARTED" = 1 ] && registry_down "$REGDIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

for tool in $TOOLS; do "${tool}_prepare"; done
bash "$BENCH_ROOT/bench/images.sh" >/dev/null

echo "tool,scenario,rep,clients,wall_s,blob_bytes,blob_gets,failed,prep_s" > "$CSV"
# Each run gets a store of its own, and the stores are deleted only after the scenario, with time to
# settle before the next one: deleting a few hundred MB (the file system here is mounted with online
# discard) slows the writes of whatever runs next for seconds, and the tools differ in how much of
# that they wait for (whoever fsyncs pays most).
purge_all() {
  for tool in $TOOLS; do "${tool}_purge"; done
  sync; sleep 5
}
settle() { # see settle_cache in lib.sh
  local t
  settle_cache $(for t in $TOOLS; do "${t}_clients"; done)
}
purge_all
for sc in $SCENARIOS; do
  refs=(${REFS[$sc]})
  for rep in $(seq "$REPS"); do
    # The tools swap places every repetition: whichever runs second after a purge measured slower here
    # (PullCluster against a build of itself: 1.05-1.12 second, 0.85 first), so a fixed order would favour one.
    order=($TOOLS)
    if [ $((rep % 2)) = 0 ]; then order=($(printf '%s\n' "${order[@]}" | tac)); fi
    for tool in "${order[@]}"; do
      p0=$(now)
      "${tool}_reset" "$sc-$rep" || { echo "$tool: reset before $sc rep $rep failed" >&2; exit 1; }
      settle
      prep=$(awk -v a="$p0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
      mark=$(wc -l < "$ALOG")
      pids=()
      t0=$(now)
      # Each <tool>_pull execs its client, so a client is one process, as a job runner would start it.
      # One watchdog bounds the run instead of a `timeout` process per client: starting a process costs
      # about 10 ms of CPU on this VM, which twenty clients at once would pay on top of their pulls.
      for i in "${!refs[@]}"; do
        "${tool}_pull" "${refs[$i]}" "$i" 2>"$LOGS/$tool-$sc-$rep-$i.err" &
        pids+=($!)
      done
      ( sleep "$TMO" & s=$!; trap 'kill $s; exit 0' TERM; wait $s; kill -TERM "${pids[@]}" 2>/dev/null ) &
      dog=$!
      failed=0
      for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
      t1=$(now)
      kill "$dog" 2>/dev/null; wait "$dog" 2>/dev/null
      sleep 0.3 # the registry logs a request once its response is complete
      read -r bytes gets < <(served "$mark")
      wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
      echo "$tool,$sc,$rep,${#refs[@]},$wall,$bytes,$gets,$failed,$prep" >> "$CSV"
      printf '%-12s %-12s rep %d  %8.2f s  %8.1f MB  %4d GETs  failed %d  (reset %s s)\n' \
        "$tool" "$sc" "$rep" "$wall" "$(awk -v b="$bytes" 'BEGIN { print b / 1e6 }')" "$gets" "$failed" "$prep" >&2
      if [ "$failed" -gt 0 ]; then
        echo "  $failed $tool client(s) failed; first error: $(cat "$LOGS/$tool-$sc-$rep-"*.err | grep -m1 . || echo "none printed (killed after TMO=$TMO s?)")" >&2
      fi
    done
  done
  purge_all
done

python3 "$BENCH_ROOT/bench/summary.py" "$CSV" | tee "$RES/run-$STAMP.txt"
echo "raw: $CSV, client logs: $LOGS" >&2
