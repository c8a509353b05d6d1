# PullCluster built from another checkout (BASELINE=DIR, e.g. made by `git worktree add DIR COMMIT`), run
# beside the current build in the same run, so that a change is measured before and after under the same
# machine load. Each call goes through that checkout's own bench/tools/pullcluster.sh, so the baseline
# keeps the CLI and node flags it had; it gets a node address and work directory of its own.

: "${BASELINE:?set BASELINE to the PullCluster checkout to compare with}"
BASELINE_NODE=${PULLCLUSTER_BENCH_BASELINE_NODE:-127.0.0.1:9311}

baseline_env() { # in the calling (sub)shell: that checkout's tool functions and paths
  BENCH_ROOT=$BASELINE PULLCLUSTER_BENCH_NODE=$BASELINE_NODE
  . "$BASELINE/bench/tools/pullcluster.sh"
  PCW=$BENCH_DIR/work/baseline
}

baseline_prepare() { ( baseline_env; pullcluster_prepare ); }
baseline_stop() { ( baseline_env; pullcluster_stop ); }
baseline_reset() { ( baseline_env; pullcluster_reset "$@" ); }
baseline_purge() { ( baseline_env; pullcluster_purge ); }
baseline_clients() { ( baseline_env; pullcluster_clients ); }
# Called in the background subshell of one client, which it may change: no subshell of its own, as for
# the current build's clients.
baseline_pull() { baseline_env; pullcluster_pull "$@"; }
