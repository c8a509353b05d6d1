#!/usr/bin/env bash
# Crash-recovery benchmark: a PullCluster node is SIGKILLed half-way through a cold pull of
# bench/base:1 (3 gzip layers, 78 MB compressed, 220 MB of tar), restarted on the same store and
# journal, and the pull is asked for again: it attaches to the pull the node resumed by itself.
#
# What is measured, per journal (SQLite in the store, PostgreSQL) and repetition:
#   - the blob bytes the store held at the kill (complete blobs + partial downloads in ingest/);
#   - the blob bytes the registry served before the kill (responses cut by the kill included: the
#     registry logs them with the bytes it wrote) and after the restart, with its GETs and Range
#     (206) requests; "fetched again" = served before + served after - the image's blob bytes;
#   - the wall time from starting the node again to the pull's completion, next to a cold pull
#     (fresh store, fresh journal, fresh node) of the whole image and that cold time scaled by the
#     fraction the crashed pull still lacked;
#   - whether the resumed pull's rootfs (`pullcluster image rootfs`) equals umoci's unpack.
#
# The node pulls through a small proxy in front of a registry of this script's own (same storage
# as the bench registry, its own access log, so nothing else pulling from 127.0.0.1:5000 is
# counted). Until the kill the proxy lets responses out at RATE_MB MB/s, so the kill lands near
# KILL_AT of the image rather than wherever loopback speed takes it; after the kill (restart and
# cold pull) it passes bytes at full speed. Its sockets have small buffers, so what the registry
# logs as written is close to what reached the node.
#
# Usage: bench/crash.sh                      (REPS=1, both journals)
#        REPS=3 JOURNALS=sqlite RATE_MB=8 bench/crash.sh
# Results: the report on stdout and in /var/tmp/pullcluster-bench/results/crash-STAMP.txt, raw
# figures in crash-STAMP.csv next to it; node logs in work/crash/logs-STAMP/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$BENCH_ROOT/bench/tools/pullcluster.sh"
. "$BENCH_ROOT/scripts/lib/postgres.sh"

REPS=${REPS:-1}
JOURNALS=${JOURNALS:-"sqlite postgres"}
KILL_AT=${KILL_AT:-0.5}
RATE_MB=${RATE_MB:-16}
TMO=${TMO:-300}
SOCKET=${PULLCLUSTER_BENCH_CRASH_SOCKET:-$BENCH_DIR/work/crash/node.sock}
CREG=${PULLCLUSTER_BENCH_CRASH_REGISTRY:-127.0.0.1:5011}
PROXY=${PULLCLUSTER_BENCH_CRASH_PROXY:-127.0.0.1:5012}
IMAGE=bench/base:1
OCI_REF=$BENCH_DIR/oci/gzip:base-1
REF=$PROXY/$IMAGE
for j in $JOURNALS; do
  case $j in sqlite | postgres) ;; *) echo "unknown journal '$j' (known: sqlite postgres)" >&2; exit 2 ;; esac
done

STAMP=$(date +%Y%m%d-%H%M%S)
WORK=$BENCH_DIR/work/crash
LOGS=$WORK/logs-$STAMP
RES=$BENCH_DIR/results
CSV=$RES/crash-$STAMP.csv
CREGDIR=$WORK/registry
CALOG=$CREGDIR/access.log
PLOG=$LOGS/proxy-access.log
mkdir -p "$LOGS" "$RES" "$CREGDIR"
: > "$PLOG"

NODE_PID=
PROXY_PID=
DATABASES=()
REGISTRY_STARTED=0
cleanup() {
  node_stop
  if [ -n "$PROXY_PID" ]; then kill "$PROXY_PID" 2>/dev/null || true; wait "$PROXY_PID" 2>/dev/null || true; fi
  local db
  for db in ${DATABASES[@]+"${DATABASES[@]}"}; do pg_admin "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true; done
  [ "$REGISTRY_STARTED" = 1 ] && registry_down "$CREGDIR"
  rm -rf "$WORK/store" "$WORK/cold" "$WORK/rootfs"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# --- nodes -------------------------------------------------------------------------------------

node_start() { # node_start STORE LOG [POSTGRES]: sets NODE_PID, T_START and T_ANSWER (node answers)
  local args=(--socket "$SOCKET" --store "$1") i
  [ -n "${3:-}" ] && args+=(--postgres "$3")
  T_START=$(now)
  setsid "$PC_BIN/pullcluster-node" "${args[@]}" >>"$2" 2>&1 </dev/null &
  NODE_PID=$!
  for i in $(seq 1200); do
    if "$PC_BIN/pullcluster" --socket "$SOCKET" node status >/dev/null 2>&1; then T_ANSWER=$(now); return 0; fi
    kill -0 "$NODE_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "the node on $SOCKET (store $1) did not answer 'node status'; see $2:" >&2
  tail -5 "$2" >&2
  return 1
}

node_stop() {
  [ -n "$NODE_PID" ] || return 0
  local i
  if kill -TERM "$NODE_PID" 2>/dev/null; then
    for i in $(seq 200); do kill -0 "$NODE_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$NODE_PID" 2>/dev/null && { echo "node $NODE_PID ignored SIGTERM for 20 s; killing it" >&2; kill -KILL "$NODE_PID"; }
  fi
  wait "$NODE_PID" 2>/dev/null || true
  NODE_PID=
}

pc() { timeout "$TMO" "$PC_BIN/pullcluster" --socket "$SOCKET" "$@"; }

# --- PostgreSQL: a database of its own per node run ---------------------------------------------

pg_conn_field() { tr ';' '\n' <<<"$PULLCLUSTER_TEST_PG" | awk -F= -v k="$1" '$1 == k { print substr($0, length(k) + 2) }'; }
pg_admin() {
  PGPASSWORD=$(pg_conn_field Password) PGOPTIONS='-c client_min_messages=warning' psql -h "$(pg_conn_field Host)" -p "$(pg_conn_field Port)" \
    -U "$(pg_conn_field Username)" -d "$(pg_conn_field Database)" -v ON_ERROR_STOP=1 -qtAc "$1" </dev/null
}
journal_for() { # journal_for JOURNAL NAME: sets PG_CONN to a fresh database NAME (empty for SQLite)
  PG_CONN=
  [ "$1" = postgres ] || return 0
  pg_admin "DROP DATABASE IF EXISTS $2 WITH (FORCE)"
  pg_admin "CREATE DATABASE $2"
  DATABASES+=("$2")
  PG_CONN=$(sed "s/Database=[^;]*/Database=$2/" <<<"$PULLCLUSTER_TEST_PG")
}
journal_drop() { # journal_drop JOURNAL NAME
  [ "$1" = postgres ] || return 0
  pg_admin "DROP DATABASE IF EXISTS $2 WITH (FORCE)"
  local kept=() db
  for db in "${DATABASES[@]}"; do [ "$db" = "$2" ] || kept+=("$db"); done
  DATABASES=(${kept[@]+"${kept[@]}"})
}

# --- the registry and its access log -----------------------------------------------------------

served() { # served FROM TO: "bytes gets ranges" of blob GETs on the registry's access-log lines FROM+1..TO
  sed -n "$(($1 + 1)),${2}p" "$CALOG" | awk '
    $6 == "\"GET" && $7 ~ /\/blobs\/sha256:/ && ($9 == 200 || $9 == 206) { bytes += $10; gets++; if ($9 == 206) ranges++ }
    END { printf "%d %d %d\n", bytes, gets, ranges }'
}

delivered() { # delivered FROM TO: blob body bytes the proxy handed to the node, on its log's lines FROM+1..TO
  sed -n "$(($1 + 1)),${2}p" "$PLOG" | awk '
    $1 == "GET" && $2 ~ /\/blobs\/sha256:/ && ($3 == 200 || $3 == 206) { bytes += $4 }
    END { printf "%d\n", bytes }'
}

lines() { wc -l < "$1"; }

logs_quiet() { # waits until neither log has grown for a second (both log a request once it ends)
  local n m i
  n="$(lines "$CALOG") $(lines "$PLOG")"
  for i in $(seq 30); do
    sleep 1
    m="$(lines "$CALOG") $(lines "$PLOG")"
    [ "$m" = "$n" ] && break
    n=$m
  done
}

# --- the store -------------------------------------------------------------------------------

on_disk() { # on_disk STORE: bytes of every file in blobs/ and ingest/ (cheap enough to poll)
  find "$1/ingest" "$1/blobs" -type f -printf '%s\n' 2>/dev/null | awk '{ s += $1 } END { printf "%d\n", s }'
}

held() { # held STORE OUT: "bytes partials complete" of the image's blobs; OUT gets "HEX SIZE HELD" per blob
  local bytes=0 partials=0 complete=0 i hex size
  : > "$2"
  for i in "${!BLOBS[@]}"; do
    hex=${BLOBS[$i]#sha256:}
    size=0
    if [ -f "$1/blobs/sha256/$hex" ]; then
      size=$(stat -c %s "$1/blobs/sha256/$hex"); complete=$((complete + 1))
    elif [ -f "$1/ingest/sha256-$hex.partial" ]; then
      size=$(stat -c %s "$1/ingest/sha256-$hex.partial")
      [ "$size" -gt 0 ] && partials=$((partials + 1))
    fi
    bytes=$((bytes + size))
    echo "$hex ${SIZES[$i]} $size" >> "$2"
  done
  echo "$bytes $partials $complete"
}

resumed_exactly() { # resumed_exactly AT-KILL FROM TO: "yes" if the blob GETs on access-log lines FROM+1..TO
  # fetched each blob the store lacked at the kill once, from where its partial download ended to its end
  sed -n "$(($2 + 1)),${3}p" "$CALOG" | awk -v atkill="$1" '
    BEGIN { while ((getline l < atkill) > 0) { split(l, f, " "); size[f[1]] = f[2]; held[f[1]] = f[3] } }
    $6 == "\"GET" && $7 ~ /\/blobs\/sha256:/ {
      hex = $7; sub(/.*sha256:/, "", hex)
      gets[hex]++
      if (!(hex in size) || $10 != size[hex] - held[hex] || $9 != (held[hex] > 0 ? 206 : 200)) bad = 1
    }
    END {
      for (h in size) if (gets[h] != (held[h] < size[h] ? 1 : 0)) bad = 1
      print bad ? "no" : "yes"
    }'
}

tree_list() { # tree_list DIR: type, mode, owner, size (files), link count, link target and sha256 of every entry
  (
    cd "$1"
    find . -mindepth 1 -printf '%P\t%y\t%m\t%U:%G\t%s\t%n\t%l\n' |
      awk -F'\t' -v OFS='\t' '$2 == "d" { $5 = "-"; $6 = "-" } { print }' | LC_ALL=C sort
    find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
  )
}

# --- the throttling proxy ------------------------------------------------------------------------

cat > "$WORK/throttle.py" <<'PY'
# A TCP proxy for HTTP/1.1 whose responses share one rate limit (bytes per second; 0 = none): SIGUSR1
# lifts the limit, SIGUSR2 restores it. It logs every response ("METHOD PATH STATUS BODY-BYTES
# done|cut") with the body bytes it handed to the client, when the response ends or its connection
# is cut. Small socket buffers keep what the upstream has written close to what the client received.
import asyncio, collections, signal, socket, sys, time

listen, upstream, rate, log_path = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
CHUNK, BUF = 32 * 1024, 64 * 1024
log = open(log_path, "a", buffering=1)

def hostport(s):
    host, port = s.rsplit(":", 1)
    return host, int(port)

class Limit:
    def __init__(self, rate):
        self.configured = self.rate = rate
        self.free_at = time.monotonic()

    async def wait(self, n):
        if self.rate <= 0:
            return
        now = time.monotonic()
        self.free_at = max(self.free_at, now) + n / self.rate
        await asyncio.sleep(self.free_at - now)

class Response:
    def __init__(self, request, head):
        lines = head.decode("latin-1").split("\r\n")
        self.method, self.path = request
        self.status = int(lines[0].split(" ")[1])
        fields = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
        bodiless = self.method == "HEAD" or self.status in (204, 304) or self.status < 200
        # Without a length the body runs to the connection's end (the registry frames all it sends).
        self.left = 0 if bodiless else int(fields.get("content-length", -1))
        self.delivered = 0

    def end(self, how):
        log.write(f"{self.method} {self.path} {self.status} {self.delivered} {how}\n")

async def requests(reader, writer, pending):
    # The client sends GETs and HEADs only: a request is its head.
    head = b""
    try:
        while data := await reader.read(CHUNK):
            head += data
            while (end := head.find(b"\r\n\r\n")) >= 0:
                pending.append(head[:end].split(b"\r\n", 1)[0].decode("latin-1").split(" ")[:2])
                head = head[end + 4:]
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass

async def responses(reader, writer, pending, limit):
    head, current = b"", None
    try:
        while data := await reader.read(CHUNK):
            await limit.wait(len(data))
            writer.write(data)
            await writer.drain()
            if writer.transport.is_closing():
                break
            while data:
                if current is None:
                    head += data
                    end = head.find(b"\r\n\r\n")
                    if end < 0:
                        break
                    current, data, head = Response(pending.popleft(), head[:end]), head[end + 4:], b""
                else:
                    n = len(data) if current.left < 0 else min(current.left, len(data))
                    current.delivered += n
                    data = data[n:]
                    if current.left >= 0:
                        current.left -= n
                if current is not None and current.left == 0:
                    current.end("done")
                    current = None
    except (ConnectionError, OSError):
        pass
    if current is not None:
        current.end("cut")

async def serve(limit, client_r, client_w):
    client_w.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, BUF)
    up = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    up.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, BUF)
    up.setblocking(False)
    try:
        await asyncio.get_running_loop().sock_connect(up, hostport(upstream))
        up_r, up_w = await asyncio.open_connection(sock=up)
    except OSError:
        up.close()
        client_w.close()
        return
    pending = collections.deque()
    tasks = [asyncio.create_task(requests(client_r, up_w, pending)),
             asyncio.create_task(responses(up_r, client_w, pending, limit))]
    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for w in (up_w, client_w):
        w.transport.abort()
    await asyncio.gather(*tasks, return_exceptions=True)

async def main():
    limit = Limit(rate)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, lambda: setattr(limit, "rate", 0))
    loop.add_signal_handler(signal.SIGUSR2, lambda: setattr(limit, "rate", limit.configured))
    host, port = hostport(listen)
    server = await asyncio.start_server(lambda r, w: serve(limit, r, w), host, port)
    async with server:
        await server.serve_forever()

asyncio.run(main())
PY

# --- set-up --------------------------------------------------------------------------------------

pullcluster_prepare
bash "$BENCH_ROOT/bench/images.sh" >/dev/null
case " $JOURNALS " in *" postgres "*) ensure_postgres ;; esac

# The bench registry's storage, served by a registry of our own with an access log of its own.
ln -sfn "$REGDIR/storage" "$CREGDIR/storage"
registry_up "$CREGDIR" "$CREG"
port_taken "$PROXY" && { echo "$PROXY is taken by another process" >&2; exit 1; }
setsid python3 "$WORK/throttle.py" "$PROXY" "$CREG" "$((RATE_MB * 1000000))" "$PLOG" 2>>"$LOGS/proxy.log" </dev/null &
PROXY_PID=$!
for i in $(seq 100); do registry_answers "$PROXY" && break; sleep 0.1; done
registry_answers "$PROXY" || { echo "the proxy on $PROXY does not reach the registry on $CREG; see $LOGS/proxy.log" >&2; exit 1; }

MANIFEST=$(curl -fsS -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$CREG/v2/${IMAGE%:*}/manifests/${IMAGE##*:}") ||
  { echo "cannot read the manifest of $CREG/$IMAGE" >&2; exit 1; }
MANIFEST_DIGEST=sha256:$(printf '%s' "$MANIFEST" | sha256sum | cut -d' ' -f1)
mapfile -t BLOBS < <(jq -r '.config.digest, .layers[].digest' <<<"$MANIFEST")
mapfile -t SIZES < <(jq -r '.config.size, .layers[].size' <<<"$MANIFEST")
IMAGE_BYTES=$(jq '[.config.size, .layers[].size] | add' <<<"$MANIFEST")
TAR_BYTES=0
for d in $(jq -r '.layers[].digest' <<<"$MANIFEST"); do
  TAR_BYTES=$((TAR_BYTES + $(pigz -dc "$BENCH_DIR/oci/gzip/blobs/sha256/${d#sha256:}" | wc -c)))
done
KILL_BYTES=$(awk -v b="$IMAGE_BYTES" -v f="$KILL_AT" 'BEGIN { printf "%d", b * f }')

# umoci's unpack of the same image is the reference rootfs; listed once per manifest digest.
UMOCI_LIST=$WORK/umoci-${MANIFEST_DIGEST#sha256:}.list
if [ ! -s "$UMOCI_LIST" ]; then
  rm -rf "$WORK/umoci"
  umoci unpack --image "$OCI_REF" "$WORK/umoci" >"$LOGS/umoci.log" 2>&1 ||
    { echo "umoci unpack --image $OCI_REF failed; see $LOGS/umoci.log" >&2; exit 1; }
  tree_list "$WORK/umoci/rootfs" > "$UMOCI_LIST.tmp"
  mv "$UMOCI_LIST.tmp" "$UMOCI_LIST"
  rm -rf "$WORK/umoci"
fi
grep -q "$MANIFEST_DIGEST" "$BENCH_DIR/oci/gzip/index.json" ||
  { echo "$OCI_REF is not the image the registry serves ($MANIFEST_DIGEST)" >&2; exit 1; }

echo "image $REF: ${#BLOBS[@]} blobs, $IMAGE_BYTES blob bytes, $TAR_BYTES bytes of tar; kill at $KILL_BYTES bytes held," \
  "responses throttled to $RATE_MB MB/s until the kill" >&2

# --- one crash run and one cold run --------------------------------------------------------------

crash_run() { # crash_run JOURNAL REP: appends a CSV row
  local journal=$1 rep=$2 tag=$1-$2 store=$WORK/store db=pc_bench_crash_$$_$2
  rm -rf "$store" "$WORK/cold" "$WORK/rootfs"
  mkdir -p "$store"
  journal_for "$journal" "$db"
  kill -USR2 "$PROXY_PID"
  node_start "$store" "$LOGS/$tag-node.log" "$PG_CONN"
  local m0 p0 cli killed=0 rc=0
  m0=$(lines "$CALOG")
  p0=$(lines "$PLOG")
  timeout "$TMO" "$PC_BIN/pullcluster" --socket "$SOCKET" --store "$store" pull "$REF" >"$LOGS/$tag-pull1.out" 2>&1 &
  cli=$!
  while kill -0 "$cli" 2>/dev/null; do
    if [ "$(on_disk "$store")" -ge "$KILL_BYTES" ]; then
      kill -KILL "$NODE_PID"
      killed=1
      break
    fi
    sleep 0.05
  done
  { wait "$NODE_PID"; } 2>/dev/null || true
  NODE_PID=
  kill -USR1 "$PROXY_PID"
  if [ "$killed" = 0 ]; then
    echo "$tag: the pull ended before the store held $KILL_BYTES bytes; lower RATE_MB. Its output:" >&2
    cat "$LOGS/$tag-pull1.out" >&2
    return 1
  fi
  wait "$cli" || rc=$?
  local held_bytes partials complete
  read -r held_bytes partials complete < <(held "$store" "$LOGS/$tag-at-kill.txt")
  logs_quiet
  local m1 p1 before_bytes before_gets before_ranges before_delivered
  m1=$(lines "$CALOG")
  p1=$(lines "$PLOG")
  read -r before_bytes before_gets before_ranges < <(served "$m0" "$m1")
  before_delivered=$(delivered "$p0" "$p1")

  node_start "$store" "$LOGS/$tag-restart-node.log" "$PG_CONN"
  local t_restart=$T_START t_answer=$T_ANSWER t_done
  pc --store "$store" pull --json "$REF" >"$LOGS/$tag-pull2.json" 2>"$LOGS/$tag-pull2.err" ||
    { echo "$tag: the pull after the restart failed:" >&2; cat "$LOGS/$tag-pull2.err" >&2; return 1; }
  t_done=$(now)
  logs_quiet
  local after_bytes after_gets after_ranges after_delivered
  local m2 exact
  m2=$(lines "$CALOG")
  read -r after_bytes after_gets after_ranges < <(served "$m1" "$m2")
  exact=$(resumed_exactly "$LOGS/$tag-at-kill.txt" "$m1" "$m2")
  after_delivered=$(delivered "$p1" "$(lines "$PLOG")")
  local resumed_fetched resumed_seconds ready recovered reconciled resumed_by_node=no
  resumed_fetched=$(jq -r '.bytesFetched' "$LOGS/$tag-pull2.json")
  resumed_seconds=$(jq -r '.seconds' "$LOGS/$tag-pull2.json")
  [ "$(jq -r '.manifestDigest' "$LOGS/$tag-pull2.json")" = "$MANIFEST_DIGEST" ] ||
    { echo "$tag: the resumed pull reports another manifest: $(cat "$LOGS/$tag-pull2.json")" >&2; return 1; }
  ready=$(grep -m1 'store journal ready' "$LOGS/$tag-restart-node.log" || true)
  recovered=$(sed -n 's/.*recovered in \([0-9]*\) ms.*/\1/p' <<<"$ready")
  reconciled=$(sed -n 's/.*reconciled in \([0-9]*\) ms.*/\1/p' <<<"$ready")
  grep -q "resuming the pull of $REF" "$LOGS/$tag-restart-node.log" && resumed_by_node=yes

  local equal=no
  mkdir -p "$WORK/rootfs"
  if pc image rootfs "$REF" "$WORK/rootfs/out" >"$LOGS/$tag-rootfs.out" 2>&1; then
    tree_list "$WORK/rootfs/out" > "$LOGS/$tag-rootfs.list"
    if cmp -s "$UMOCI_LIST" "$LOGS/$tag-rootfs.list"; then
      equal=yes
      rm -f "$LOGS/$tag-rootfs.list"
    else
      echo "$tag: the rootfs differs from umoci's unpack (first differences; all in $LOGS/$tag-rootfs.list):" >&2
      diff "$UMOCI_LIST" "$LOGS/$tag-rootfs.list" | head -20 >&2 || true
    fi
  else
    echo "$tag: pullcluster image rootfs $REF failed:" >&2
    cat "$LOGS/$tag-rootfs.out" >&2
  fi
  rm -rf "$WORK/rootfs"
  node_stop
  journal_drop "$journal" "$db"

  # The cold reference: fresh store, fresh journal, fresh node; the same (now unthrottled) path.
  local cold=$WORK/cold cdb=${db}_cold mc cold_bytes cold_gets cold_ranges cold_seconds
  rm -rf "$store"
  mkdir -p "$cold"
  journal_for "$journal" "$cdb"
  node_start "$cold" "$LOGS/$tag-cold-node.log" "$PG_CONN"
  local c_start=$T_START c_answer=$T_ANSWER c_done
  mc=$(lines "$CALOG")
  pc --store "$cold" pull --json "$REF" >"$LOGS/$tag-cold.json" 2>"$LOGS/$tag-cold.err" ||
    { echo "$tag: the cold pull failed:" >&2; cat "$LOGS/$tag-cold.err" >&2; return 1; }
  c_done=$(now)
  cold_seconds=$(jq -r '.seconds' "$LOGS/$tag-cold.json")
  logs_quiet
  read -r cold_bytes cold_gets cold_ranges < <(served "$mc" "$(lines "$CALOG")")
  node_stop
  journal_drop "$journal" "$cdb"
  rm -rf "$cold"

  echo "$journal,$rep,$IMAGE_BYTES,$TAR_BYTES,$KILL_BYTES,$held_bytes,$partials,$complete,$rc,$before_bytes,$before_gets,$before_delivered,$after_bytes,$after_gets,$after_ranges,$after_delivered,$resumed_fetched,$resumed_by_node,$exact,$(secs "$t_restart" "$t_answer"),$(secs "$t_restart" "$t_done"),$resumed_seconds,${recovered:-NA},${reconciled:-NA},$(secs "$c_start" "$c_answer"),$(secs "$c_start" "$c_done"),$cold_seconds,$cold_bytes,$equal" >> "$CSV"
  printf '%-8s rep %d  killed at %5.1f%%  fetched again %5.2f%% (registry log), %5.2f%% (received)  restart->done %6.2f s  cold %6.2f s  rootfs equals umoci: %s\n' \
    "$journal" "$rep" "$(awk -v h="$held_bytes" -v b="$IMAGE_BYTES" 'BEGIN { print 100 * h / b }')" \
    "$(awk -v x="$before_bytes" -v y="$after_bytes" -v b="$IMAGE_BYTES" 'BEGIN { print 100 * (x + y - b) / b }')" \
    "$(awk -v x="$before_delivered" -v y="$after_delivered" -v b="$IMAGE_BYTES" 'BEGIN { print 100 * (x + y - b) / b }')" \
    "$(secs "$t_restart" "$t_done")" "$(secs "$c_start" "$c_done")" "$equal" >&2
}

echo "journal,rep,image_bytes,tar_bytes,kill_threshold,held_at_kill,partials_at_kill,blobs_at_kill,cli_rc_at_kill,served_before,gets_before,delivered_before,served_after,gets_after,ranges_after,delivered_after,resumed_bytes_fetched,resumed_by_node,resumed_exactly,restart_answer_s,restart_done_s,resumed_pull_s,recovered_ms,reconciled_ms,cold_answer_s,cold_done_s,cold_pull_s,cold_served,rootfs_equal" > "$CSV"
for rep in $(seq "$REPS"); do
  for journal in $JOURNALS; do crash_run "$journal" "$rep"; done
done

python3 - "$CSV" "$REF" "$RATE_MB" <<'PY' | tee "$RES/crash-$STAMP.txt"
import csv, statistics, sys

path, ref, rate = sys.argv[1], sys.argv[2], sys.argv[3]
rows = list(csv.DictReader(open(path)))
mb = lambda b: f"{int(b) / 1e6:.1f} MB"
pct = lambda x: f"{100 * x:.1f}%"
image, tar = int(rows[0]["image_bytes"]), int(rows[0]["tar_bytes"])
print(f"Crash recovery of {ref}: {image} blob bytes ({mb(image)} compressed, {mb(tar)} of tar)")
print(f"kill -9 of the node once its store holds {pct(int(rows[0]['kill_threshold']) / image)} of the blob bytes; "
      f"responses throttled to {rate} MB/s until the kill, full speed after it")

def figures(r):
    n = {k: int(r[k]) for k in ("held_at_kill", "served_before", "delivered_before", "served_after", "delivered_after")}
    missing = (image - n["held_at_kill"]) / image
    cold = float(r["cold_done_s"])
    return n | {
        "kill": n["held_at_kill"] / image,
        "again_logged": n["served_before"] + n["served_after"] - image,
        "again_received": n["delivered_before"] + n["delivered_after"] - image,
        "missing": missing,
        "restart": float(r["restart_done_s"]),
        "cold": cold,
        "cold_rest": cold * missing,
        "cold_pull_rest": float(r["cold_pull_s"]) * missing,
    }

for r in rows:
    f = figures(r)
    print()
    print(f"{r['journal']}, rep {r['rep']}")
    print(f"  killed at                   {pct(f['kill'])} of the blob bytes held ({mb(r['held_at_kill'])}: "
          f"{r['blobs_at_kill']} complete blobs, {r['partials_at_kill']} partial downloads); the client exited {r['cli_rc_at_kill']}")
    print(f"  before the kill             the registry logged {mb(r['served_before'])} served ({r['gets_before']} blob GETs, "
          f"cut responses included); the node received {mb(r['delivered_before'])}")
    print(f"  after the restart           {mb(r['served_after'])} served = {pct(f['served_after'] / image)} of the image "
          f"({r['gets_after']} blob GETs, {r['ranges_after']} of them Range (206)); received {mb(r['delivered_after'])}; "
          f"the resumed pull counts {mb(r['resumed_bytes_fetched'])}")
    print(f"  fetched again (log)         {f['again_logged']} bytes = {pct(f['again_logged'] / image)} of the image "
          f"(registry log: served before + after - image)")
    print(f"  fetched again (received)    {f['again_received']} bytes = {pct(f['again_received'] / image)} of the image "
          f"(received before + after - image)")
    print(f"    logged, never received    {f['served_before'] - f['delivered_before']} bytes "
          f"(in socket buffers between the registry and the node at the kill)")
    print(f"    received, not on disk     {f['delivered_before'] - f['held_at_kill']} bytes (in the node's memory at the kill)")
    print(f"    on disk, fetched again    {f['held_at_kill'] + f['served_after'] - image} bytes (held at the kill + served after - image); "
          f"each missing blob fetched once from the end of its partial download: {r['resumed_exactly']}")
    print(f"  restart -> pull complete    {f['restart']:.2f} s (node answers after {float(r['restart_answer_s']):.2f} s; "
          f"journal recovered in {r['recovered_ms']} ms, reconciled in {r['reconciled_ms']} ms; resumed by the node: {r['resumed_by_node']}; "
          f"the resumed pull took {float(r['resumed_pull_s']):.2f} s by the node's count)")
    print(f"  cold pull, whole image      {f['cold']:.2f} s from node start (node answers after {float(r['cold_answer_s']):.2f} s; "
          f"the pull took {float(r['cold_pull_s']):.2f} s by the node's count); {mb(r['cold_served'])} served")
    print(f"  {'cold x ' + pct(f['missing']) + ' missing':<28}{f['cold_rest']:.2f} s from node start; {f['cold_pull_rest']:.2f} s by the node's count")
    print(f"  rootfs equals umoci         {r['rootfs_equal']}")

print()
line = "{:<9} {:>3} {:>6} {:>14} {:>14} {:>8} {:>4} {:>9} {:>6} {:>7} {:>7}"
print(line.format("journal", "rep", "kill", "again (log)", "again (recv)", "after MB", "206", "restart s", "cold s",
                  "cold×m s", "rootfs"))
def cells(journal, rep, f, ranges, rootfs):
    again = lambda b: f"{b / 1e6:.2f} MB {pct(b / image)}"
    return (journal, rep, pct(f["kill"]), again(f["again_logged"]), again(f["again_received"]), f"{f['served_after'] / 1e6:.1f}",
            ranges, f"{f['restart']:.2f}", f"{f['cold']:.2f}", f"{f['cold_rest']:.2f}", rootfs)
for journal in dict.fromkeys(r["journal"] for r in rows):
    mine = [r for r in rows if r["journal"] == journal]
    fs = [figures(r) for r in mine]
    for r, f in zip(mine, fs):
        print(line.format(*cells(journal, r["rep"], f, r["ranges_after"], "=umoci" if r["rootfs_equal"] == "yes" else "DIFFERS")))
    if len(mine) > 1:
        med = {k: statistics.median(f[k] for f in fs) for k in fs[0]}
        ok = sum(r["rootfs_equal"] == "yes" for r in mine)
        print(line.format(*cells(journal, "med", med, statistics.median(int(r["ranges_after"]) for r in mine), f"{ok}/{len(mine)}")))
print()
print("kill: blob bytes on disk at the kill; again (log): what the registry logged as served, before the kill and after the")
print("restart, beyond the image's blob bytes; again (recv): the same counted as the node received it; after MB: served after")
print("the restart; 206: Range requests after it; restart s: node start to pull complete; cold s: the same for a fresh store")
print("and journal; cold×m s: cold s times the fraction of the blob bytes the store lacked after the kill")
PY
echo "raw: $CSV, logs: $LOGS" >&2
