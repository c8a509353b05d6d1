# PullCluster as a bench tool: a node process with a fresh store is started before each timed run
# (and stopped with SIGTERM after it); every client is a separate `pullcluster pull` process.

PC_BIN=$BENCH_ROOT/.build/bin
PCW=$BENCH_DIR/work/pullcluster
# The node's unix socket, as users reach it (TCP is for remote administration only).
PC_SOCKET=${PULLCLUSTER_BENCH_SOCKET:-$PCW/node.sock}

pullcluster_prepare() {
  if [ ! -x "$BENCH_ROOT/pullcluster" ]; then
    echo "PullCluster: $BENCH_ROOT/pullcluster (the wrapper that builds .build/bin) is missing;" \
         "run the peers alone with TOOLS=\"containerd skopeo\"" >&2
    return 1
  fi
  local out
  if ! out=$("$BENCH_ROOT/pullcluster" --version 2>&1); then
    echo "PullCluster: './pullcluster --version' failed, so .build/bin/pullcluster-node could not be built:" >&2
    printf '%s\n' "$out" | tail -20 >&2
    return 1
  fi
  local b
  for b in pullcluster-node pullcluster; do
    [ -x "$PC_BIN/$b" ] || { echo "PullCluster: $PC_BIN/$b was not built by ./pullcluster --version" >&2; return 1; }
  done
  echo "PullCluster $out" >&2
}

pullcluster_stop() {
  local pid i
  if [ -f "$PCW/node.pid" ] && kill -0 "$(cat "$PCW/node.pid")" 2>/dev/null; then
    pid=$(cat "$PCW/node.pid")
    kill -TERM "$pid"
    for i in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { echo "PullCluster node $pid ignored SIGTERM for 20 s; killing it" >&2; kill -KILL "$pid"; }
  fi
  rm -f "$PCW/node.pid"
}

pullcluster_reset() { # pullcluster_reset RUN: a node on an empty store of this run's own
  pullcluster_stop
  local store=$PCW/runs/$1
  rm -rf "$store"
  mkdir -p "$store"
  setsid "$PC_BIN/pullcluster-node" --socket "$PC_SOCKET" --store "$store" >>"$PCW/node.log" 2>&1 </dev/null &
  echo $! > "$PCW/node.pid"
  local i
  for i in $(seq 300); do
    "$PC_BIN/pullcluster" --socket "$PC_SOCKET" node status >/dev/null 2>&1 && return 0
    kill -0 "$(cat "$PCW/node.pid")" 2>/dev/null || break
    sleep 0.1
  done
  echo "PullCluster node did not answer 'node status' on $PC_SOCKET; see $PCW/node.log" >&2
  tail -5 "$PCW/node.log" >&2
  return 1
}

pullcluster_pull() { # pullcluster_pull REF CLIENT_NO
  exec "$PC_BIN/pullcluster" --socket "$PC_SOCKET" pull "$REG/$1" >/dev/null
}

pullcluster_purge() { pullcluster_stop; rm -rf "$PCW/runs" "$PCW/store"; }

pullcluster_clients() { echo "$PC_BIN/pullcluster"; }
