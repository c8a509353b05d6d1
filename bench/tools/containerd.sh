# containerd as a bench peer: `ctr images pull` (download + unpack into the overlayfs snapshotter)
# against a private containerd daemon whose root, state and socket live under the bench directory.
# The daemon is started before each timed pull, from an empty root, so only the pull is timed.

CTD=$BENCH_DIR/work/containerd
CTD_SOCK=$CTD/containerd.sock

containerd_prepare() {
  command -v containerd >/dev/null && command -v ctr >/dev/null ||
    { echo "containerd/ctr not installed (apt-get install containerd)" >&2; return 1; }
}

containerd_stop() {
  local pid i
  if [ -f "$CTD/pid" ] && [ "$(cat "/proc/$(cat "$CTD/pid")/comm" 2>/dev/null)" = containerd ]; then
    pid=$(cat "$CTD/pid")
    kill "$pid"
    for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$CTD/pid"
  # mounts an interrupted unpack may have left behind
  awk -v d="$CTD/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do umount "$m"; done
}

containerd_reset() { # containerd_reset RUN: a daemon on an empty root of this run's own
  containerd_stop
  local run=$CTD/runs/$1
  rm -rf "$run"
  mkdir -p "$run"
  cat > "$CTD/config.toml" <<TOML
version = 2
root = "$run/root"
state = "$run/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$CTD_SOCK"
[ttrpc]
  address = "$CTD_SOCK.ttrpc"
[debug]
  address = "$CTD/debug.sock"
TOML
  setsid containerd --config "$CTD/config.toml" >>"$CTD/containerd.log" 2>&1 </dev/null &
  echo $! > "$CTD/pid"
  local i
  for i in $(seq 100); do
    ctr --address "$CTD_SOCK" version >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "containerd did not start; see $CTD/containerd.log" >&2
  return 1
}

containerd_pull() { # containerd_pull REF CLIENT_NO
  exec ctr --address "$CTD_SOCK" images pull --plain-http --snapshotter overlayfs "$REG/$1" >/dev/null
}

containerd_purge() { containerd_stop; rm -rf "$CTD/runs" "$CTD/root" "$CTD/state"; }

containerd_clients() { command -v ctr; }
