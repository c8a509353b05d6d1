# Sourced by PullCluster's scripts: end every process a script started, and only those.
#
# Commands run through `marked CMD...` carry a unique environment variable, which their children
# (build nodes, test hosts, registries the tests start) inherit. `sweep_marked` ends the processes
# that still carry it, by pid: nothing else on the machine is touched.

SWEEP_MARK="PULLCLUSTER_SWEEP_MARK=$$-$(date +%s%N)"

marked() { env "$SWEEP_MARK" "$@"; }

marked_pids() {
  local d p
  for d in /proc/[0-9]*; do
    p=${d#/proc/}
    [ "$p" = "$$" ] && continue
    grep -qzxF "$SWEEP_MARK" "$d/environ" 2>/dev/null && echo "$p"
  done
}

sweep_marked() {
  local pids i
  pids=$(marked_pids)
  [ -z "$pids" ] && return 0
  echo "stopping leftover processes: $(for p in $pids; do printf '%s(%s) ' "$p" "$(cat /proc/$p/comm 2>/dev/null)"; done)" >&2
  kill -TERM $pids 2>/dev/null
  for i in $(seq 30); do
    pids=$(marked_pids)
    [ -z "$pids" ] && return 0
    sleep 0.1
  done
  kill -KILL $pids 2>/dev/null
  return 0
}
