# Sourced by PullCluster's demo and bench scripts: a CNCF distribution registry (docker-registry)
# of our own, with filesystem storage and an access log, in a directory of its own.
#
# registry_up DIR ADDR   reuses the registry recorded in DIR/registry.pid if it still answers on
#                        ADDR, else starts one (storage DIR/storage, access log DIR/access.log,
#                        app log DIR/registry.log). Fails, naming ADDR, if another process holds
#                        the port. Sets REGISTRY_STARTED=1 when it started the process.
# registry_down DIR      stops the registry recorded in DIR/registry.pid.
# registry_answers ADDR  true if a distribution registry answers GET /v2/ on ADDR.

registry_answers() {
  curl -fsS -o /dev/null -D - --max-time 2 "http://$1/v2/" 2>/dev/null |
    grep -qi '^docker-distribution-api-version: *registry/2.0'
}

port_taken() { # port_taken HOST:PORT
  (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null
}

registry_pid_alive() { # the pid file names a live docker-registry (not a recycled pid)
  [ -f "$1/registry.pid" ] && [ "$(cat "/proc/$(cat "$1/registry.pid")/comm" 2>/dev/null)" = docker-registry ]
}

registry_up() {
  local dir=$1 addr=$2 i
  REGISTRY_STARTED=0
  mkdir -p "$dir/storage"
  if registry_pid_alive "$dir" && registry_answers "$addr"; then
    return 0
  fi
  if port_taken "$addr"; then
    echo "cannot start a registry on $addr: the port is taken by another process" >&2
    return 1
  fi
  cat > "$dir/config.yml" <<YML
version: 0.1
log:
  level: warn
  formatter: text
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $dir/storage
  cache:
    blobdescriptor: inmemory
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: $addr
YML
  # The access log (Apache combined format, with response sizes) is the registry's stdout.
  setsid docker-registry serve "$dir/config.yml" >>"$dir/access.log" 2>>"$dir/registry.log" </dev/null &
  echo $! > "$dir/registry.pid"
  for i in $(seq 100); do
    if registry_answers "$addr"; then
      REGISTRY_STARTED=1
      return 0
    fi
    kill -0 "$(cat "$dir/registry.pid")" 2>/dev/null || break
    sleep 0.1
  done
  echo "docker-registry did not come up on $addr; see $dir/registry.log:" >&2
  tail -5 "$dir/registry.log" >&2
  registry_down "$dir"
  return 1
}

registry_down() {
  local dir=$1 pid i
  if registry_pid_alive "$dir"; then
    pid=$(cat "$dir/registry.pid")
    kill "$pid"
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$dir/registry.pid"
}
