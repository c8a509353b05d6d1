#!/usr/bin/env bash
# Farm benchmark: PullCluster nodes on loopback addresses (127.0.0.11, .12, …, as if on separate hosts)
# forming one cluster, each with its own fresh store and one client, all pulling bench/base:1 at once
# from a registry of the script's own (127.0.0.1:5021) that serves the bench registry's storage.
#
#   solo    1 node alone (a one-node cluster, started with the same flags as a farm node)
#   farm3   3 nodes, one `pullcluster pull` each, all at once
#   farm5   5 nodes, likewise
#   uplink  the registry's total egress limited to UPLINK_MBPS (50) MB/s by tc on lo: 1 node alone,
#           5 nodes, and 5 independent containerd daemons with one `ctr pull` each, one after another
#   kill    3 nodes, the registry limited to KILL_MBPS (20) MB/s; once the registry has sent KILL_AT (0.3)
#           of the image, the node receiving the most from it is kill -9'd with its client (as if its
#           host died), started again on the same store and addresses, and pulls again
#
# What is measured per run: the wall time from starting the clients to the last one's exit (for kill:
# to the restarted node's pull too); the blob bytes and GETs the registry's access log shows for that
# window, and that as a multiple of the image's blob bytes; per node, the `pull --json` result's
# bytesFromRegistry, bytesFromPeers, bytesFromStore and seconds. Nodes are up and members of one
# cluster (every node logged `cluster member up: … (N up)`) before the clock starts.
#
# Usage: bench/cluster.sh                             (all scenarios, REPS=1)
#        REPS=3 SCENARIOS="solo farm3 farm5" bench/cluster.sh
#        UPLINK_MBPS=25 SCENARIOS=uplink bench/cluster.sh
# Results: the report on stdout and in /var/tmp/pullcluster-bench/results/cluster-STAMP.txt, raw figures
# in cluster-STAMP.csv and cluster-STAMP-nodes.csv; node logs and client output in work/cluster/logs-STAMP/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$BENCH_ROOT/bench/tools/pullcluster.sh"
. "$BENCH_ROOT/bench/tools/containerd.sh"

REPS=${REPS:-1}
SCENARIOS=${SCENARIOS:-"solo farm3 farm5 uplink kill"}
UPLINK_MBPS=${UPLINK_MBPS:-50}
KILL_MBPS=${KILL_MBPS:-20}
KILL_AT=${KILL_AT:-0.3}
TMO=${TMO:-600}
MEMBER_TMO=${MEMBER_TMO:-120}
IMAGE=bench/base:1
NET=${PULLCLUSTER_BENCH_CLUSTER_NET:-127.0.0.}            # node I listens on ${NET}(10 + I)
RPORT=${PULLCLUSTER_BENCH_CLUSTER_REMOTE_PORT:-9111}      # --remote (Akka.Cluster)
HPORT=${PULLCLUSTER_BENCH_CLUSTER_HTTP_PORT:-9112}        # --http (peer blob transfer)
for sc in $SCENARIOS; do
  case $sc in solo | farm3 | farm5 | uplink | kill) ;; *) echo "unknown scenario '$sc' (known: solo farm3 farm5 uplink kill)" >&2; exit 2 ;; esac
done
# The nodes pull from a registry of this script's own, serving the bench registry's storage with an access log
# of its own (as bench/crash.sh does), so that nothing else pulling from 127.0.0.1:5000 is counted.
CREG=${PULLCLUSTER_BENCH_CLUSTER_REGISTRY:-127.0.0.1:5021}
REG_IP=${CREG%:*}
REG_PORT=${CREG##*:}
[[ $REG_IP =~ ^[0-9.]+$ ]] || { echo "the registry address must be an IPv4 literal for tc's filter: $CREG" >&2; exit 2; }

STAMP=$(date +%Y%m%d-%H%M%S)
WORK=$BENCH_DIR/work/cluster
LOGS=$WORK/logs-$STAMP
RES=$BENCH_DIR/results
CSV=$RES/cluster-$STAMP.csv
NCSV=$RES/cluster-$STAMP-nodes.csv
SECRET=$WORK/secret
mkdir -p "$LOGS" "$RES"

declare -A NODE_PID=()
TC_ON=0
REGISTRY_STARTED=0
CREGDIR=
cleanup() {
  nodes_stop
  ctds_stop
  tc_clear
  [ "$REGISTRY_STARTED" = 1 ] && registry_down "$CREGDIR"
  rm -rf "$WORK/runs" "$WORK/containerd"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }

# --- the registry's uplink: an htb class on lo for what the registry sends ---------------------------

# Only packets from the registry's address and port are classified; everything else on lo passes the
# htb unshaped (no default class), so other processes on this machine are not slowed.
tc_limit() { # tc_limit MBPS: the registry's total egress, all connections together, at MBPS MB/s
  tc_clear
  if ! tc qdisc show dev lo | head -1 | grep -q '^qdisc noqueue'; then
    echo "lo already has a qdisc that this script did not add; not touching it:" >&2
    tc qdisc show dev lo >&2
    return 1
  fi
  local rate=$(($1 * 8))mbit
  tc qdisc add dev lo root handle 1: htb
  TC_ON=1
  tc class add dev lo parent 1: classid 1:1 htb rate "$rate" ceil "$rate" burst 256k cburst 256k quantum 65536
  tc filter add dev lo parent 1: protocol ip prio 1 u32 \
    match ip src "$REG_IP/32" match ip sport "$REG_PORT" 0xffff flowid 1:1
}

tc_clear() {
  [ "$TC_ON" = 1 ] || return 0
  tc qdisc del dev lo root 2>/dev/null || true
  TC_ON=0
}

tc_sent() { # bytes (IP packets) the registry sent through the limit since tc_limit
  tc -s class show dev lo classid 1:1 | awk '$1 == "Sent" { print $2; exit }'
}

# --- PullCluster nodes ---------------------------------------------------------------------------

node_ip() { echo "$NET$((10 + $1))"; }
node_sock() { echo "$WORK/node$1.sock"; }

node_start() { # node_start I N STORE LOG: node I of a farm of N, seeded by its first two nodes
  local i=$1 n=$2 ip a s
  ip=$(node_ip "$i")
  for a in "$ip:$RPORT" "$ip:$HPORT"; do
    port_taken "$a" && { echo "node $i: $a is taken by another process" >&2; return 1; }
  done
  local args=(--store "$3" --socket "$(node_sock "$i")" --remote "$ip:$RPORT" --http "$ip:$HPORT" --secret-file "$SECRET")
  for s in $(seq $((n < 2 ? n : 2))); do args+=(--seed "$(node_ip "$s"):$RPORT"); done
  setsid "$PC_BIN/pullcluster-node" "${args[@]}" >>"$4" 2>&1 </dev/null &
  NODE_PID[$i]=$!
}

node_answers() { # node_answers I LOG: waits until node I answers `node status` on its socket
  local i
  for i in $(seq 600); do
    "$PC_BIN/pullcluster" --socket "$(node_sock "$1")" node status >/dev/null 2>&1 && return 0
    kill -0 "${NODE_PID[$1]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "node $1 did not answer 'node status' on $(node_sock "$1"); the end of $2:" >&2
  tail -5 "$2" >&2
  return 1
}

members_up() { # members_up N LOG...: waits until every log says `cluster member up: … (N up)`
  local n=$1 deadline log all
  shift
  deadline=$(($(date +%s) + MEMBER_TMO))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    all=1
    for log in "$@"; do grep -Eq "cluster member up: .*\($n up\)" "$log" || { all=0; break; }; done
    [ "$all" = 1 ] && return 0
    sleep 0.2
  done
  echo "the cluster did not reach $n members up within $MEMBER_TMO s; what each node logged:" >&2
  for log in "$@"; do echo "  $log: $(grep -E 'cluster member' "$log" | tail -1)" >&2; done
  return 1
}

nodes_stop() { # SIGTERM (a graceful leave) to every node at once; SIGKILL after 30 s
  local i pid
  for pid in "${NODE_PID[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for i in $(seq 300); do
    local alive=0
    for pid in "${NODE_PID[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "${NODE_PID[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then echo "node $pid ignored SIGTERM for 30 s; killing it" >&2; kill -KILL "$pid"; fi
    wait "$pid" 2>/dev/null || true
  done
  NODE_PID=()
}

farm_up() { # farm_up TAG N: N nodes on fresh stores under runs/TAG, all members; sets MEMBERS_S
  local tag=$1 n=$2 i t0 logs=()
  t0=$(now)
  for i in $(seq "$n"); do
    mkdir -p "$WORK/runs/$tag/node$i"
    node_start "$i" "$n" "$WORK/runs/$tag/node$i" "$LOGS/$tag-node$i.log"
    logs+=("$LOGS/$tag-node$i.log")
  done
  for i in $(seq "$n"); do node_answers "$i" "$LOGS/$tag-node$i.log"; done
  members_up "$n" "${logs[@]}"
  MEMBERS_S=$(secs "$t0" "$(now)")
}

pull_client() { # pull_client I OUT: node I's client, exec'd in a background subshell
  exec "$PC_BIN/pullcluster" --socket "$(node_sock "$1")" pull --json "$REG/$IMAGE" >"$2.json" 2>"$2.err"
}

# --- containerd: the same tool file as bench/run.sh, one daemon per simulated host ---------------

CTD_ROOT=$WORK/containerd
ctd_env() { CTD=$CTD_ROOT/$1; CTD_SOCK=$CTD/containerd.sock; mkdir -p "$CTD"; }
ctds_stop() {
  local d
  for d in "$CTD_ROOT"/*/; do [ -d "$d" ] && (ctd_env "$(basename "$d")"; containerd_stop); done
  return 0
}

# --- the access log and the results --------------------------------------------------------------

logs_quiet() { # the registry logs a request once its response ends: wait until its log stops growing
  local n m i
  n=$(wc -l < "$ALOG")
  for i in $(seq 20); do
    sleep 0.5
    m=$(wc -l < "$ALOG")
    [ "$m" = "$n" ] && return 0
    n=$m
  done
}

# blobs_done DIR T0: seconds from T0 to the last write of a complete blob in DIR (a store's blobs/sha256): when
# the download phase ended on that node, apart from the unpack that follows it. NA if DIR holds no blob.
blobs_done() {
  find "$1" -type f -printf '%T@\n' 2>/dev/null | sort -n | tail -1 |
    awk -v t0="$2" '{ printf "%.3f", $1 - t0; found = 1 } END { if (!found) print "NA" }'
}

node_row() { # node_row SCENARIO VARIANT REP NODE PULL RC OUT BLOBS_S: a line of the nodes' CSV from OUT.json
  local f=$7.json
  if [ "$6" = 0 ] && [ -s "$f" ] && jq -e . "$f" >/dev/null 2>&1; then
    jq -r --arg p "$1,$2,$3,$4,$5,$6" --arg b "$8" \
      '"\($p),\(.seconds),\(.bytesFromRegistry // "NA"),\(.bytesFromPeers // "NA"),\(.bytesFromStore // "NA"),\(.bytesFetched // "NA"),\(.manifestDigest),\($b)"' "$f"
  else
    echo "$1,$2,$3,$4,$5,$6,NA,NA,NA,NA,NA,NA,$8"
  fi >> "$NCSV"
}

run_row() { # run_row SCENARIO VARIANT REP NODES LIMIT WALL MARK FAILED MEMBERS_S [KILL FIELDS]
  local bytes gets
  logs_quiet
  read -r bytes gets < <(served "$7")
  echo "$1,$2,$3,$4,$5,$6,$bytes,$gets,$IMAGE_BYTES,$8,$9,${10:-NA},${11:-NA},${12:-NA},${13:-NA},${14:-NA},${15:-NA}" >> "$CSV"
  printf '%-7s %-11s rep %d  %2d nodes  %8.2f s  %7.1f MB served (%.2fx the image)  failed %d\n' \
    "$1" "$2" "$3" "$4" "$6" "$(mb "$bytes")" "$(awk -v b="$bytes" -v i="$IMAGE_BYTES" 'BEGIN { print b / i }')" "$8" >&2
}

check_limit() { # after a limited run: the filter must have matched what the registry sent
  local sent
  sent=$(tc_sent)
  [ "${sent:-0}" -gt 0 ] ||
    { echo "tc's class on lo saw no bytes from $REG: the uplink limit did not apply (tc -s class show dev lo)" >&2; return 1; }
}

# --- the runs ------------------------------------------------------------------------------------

farm_run() { # farm_run SCENARIO VARIANT REP N LIMIT_MBPS|-: N nodes, one client each, all at once
  local sc=$1 variant=$2 rep=$3 n=$4 limit=$5 tag=$1-$2-$3 i
  farm_up "$tag" "$n"
  [ "$limit" = - ] || tc_limit "$limit"
  settle_cache "$PC_BIN/pullcluster"
  local mark pids=() t0 t1 dog failed=0 rcs=()
  mark=$(wc -l < "$ALOG")
  t0=$(now)
  for i in $(seq "$n"); do pull_client "$i" "$LOGS/$tag-pull$i" & pids+=($!); done
  ( sleep "$TMO" & s=$!; trap 'kill $s; exit 0' TERM; wait $s; kill -TERM "${pids[@]}" 2>/dev/null ) &
  dog=$!
  for i in $(seq "$n"); do
    if wait "${pids[$((i - 1))]}"; then rcs[$i]=0; else rcs[$i]=$?; failed=$((failed + 1)); fi
  done
  t1=$(now)
  kill "$dog" 2>/dev/null; wait "$dog" 2>/dev/null || true
  [ "$limit" = - ] || { check_limit; tc_clear; }
  run_row "$sc" "$variant" "$rep" "$n" "$limit" "$(secs "$t0" "$t1")" "$mark" "$failed" "$MEMBERS_S"
  for i in $(seq "$n"); do
    node_row "$sc" "$variant" "$rep" "$i" pull "${rcs[$i]}" "$LOGS/$tag-pull$i" \
      "$(blobs_done "$WORK/runs/$tag/node$i/blobs" "$t0")"
    [ "${rcs[$i]}" = 0 ] || echo "  node $i's client exited ${rcs[$i]}: $(grep -m1 . "$LOGS/$tag-pull$i.err" || echo "nothing on stderr (killed after TMO=$TMO s?)")" >&2
  done
  nodes_stop
}

containerd_run() { # containerd_run SCENARIO VARIANT REP N LIMIT_MBPS: N containerd daemons, one `ctr pull` each
  local sc=$1 variant=$2 rep=$3 n=$4 limit=$5 tag=$1-$2-$3 i
  for i in $(seq "$n"); do (ctd_env "$i"; containerd_reset "$tag"); done
  tc_limit "$limit"
  settle_cache "$(containerd_clients)"
  local mark pids=() t0 t1 dog failed=0 rc
  mark=$(wc -l < "$ALOG")
  t0=$(now)
  for i in $(seq "$n"); do
    (ctd_env "$i"; containerd_pull "$IMAGE" "$i") 2>"$LOGS/$tag-ctr$i.err" &
    pids+=($!)
  done
  ( sleep "$TMO" & s=$!; trap 'kill $s; exit 0' TERM; wait $s; kill -TERM "${pids[@]}" 2>/dev/null ) &
  dog=$!
  for i in $(seq "$n"); do
    rc=0; wait "${pids[$((i - 1))]}" || rc=$?
    if [ "$rc" != 0 ]; then
      failed=$((failed + 1))
      echo "  containerd $i: ctr pull exited $rc: $(grep -m1 . "$LOGS/$tag-ctr$i.err" || echo "nothing on stderr")" >&2
    fi
    echo "$sc,$variant,$rep,$i,ctr,$rc,NA,NA,NA,NA,NA,NA,$(blobs_done "$CTD_ROOT/$i/runs/$tag/root/io.containerd.content.v1.content/blobs" "$t0")" >> "$NCSV"
  done
  t1=$(now)
  kill "$dog" 2>/dev/null; wait "$dog" 2>/dev/null || true
  check_limit
  tc_clear
  run_row "$sc" "$variant" "$rep" "$n" "$limit" "$(secs "$t0" "$t1")" "$mark" "$failed" NA
  ctds_stop
}

top_receiver() { # top_receiver N: the node (1..N) whose open connections to the registry received the most
  local pids i
  pids=$(ss -tinpH state established "( dst $REG )" 2>/dev/null | awk '
    /users:\(\(/ { match($0, /pid=[0-9]+/); pid = substr($0, RSTART + 4, RLENGTH - 4) }
    /bytes_received:/ { match($0, /bytes_received:[0-9]+/); got[pid] += substr($0, RSTART + 15, RLENGTH - 15) }
    END { for (p in got) print got[p], p }' | sort -rn | awk '{ print $2 }')
  for pid in $pids; do
    for i in $(seq "$1"); do [ "${NODE_PID[$i]}" = "$pid" ] && { echo "$i"; return 0; }; done
  done
  echo 1 # nothing open to the registry right now: node 1, which the others found first
}

kill_run() { # kill_run REP: 3 nodes under KILL_MBPS; kill -9 of the top registry receiver at KILL_AT
  local rep=$1 n=3 tag=kill-pullcluster-$1 i
  farm_up "$tag" "$n"
  tc_limit "$KILL_MBPS"
  settle_cache "$PC_BIN/pullcluster"
  local mark pids=() t0 dog threshold sent victim=
  threshold=$(awk -v b="$IMAGE_BYTES" -v f="$KILL_AT" 'BEGIN { printf "%d", b * f }')
  mark=$(wc -l < "$ALOG")
  t0=$(now)
  for i in $(seq "$n"); do pull_client "$i" "$LOGS/$tag-pull$i" & pids+=($!); done
  ( sleep "$TMO" & s=$!; trap 'kill $s; exit 0' TERM; wait $s; kill -TERM "${pids[@]}" 2>/dev/null ) &
  dog=$!
  while :; do
    sent=$(tc_sent)
    if [ "$sent" -ge "$threshold" ]; then victim=$(top_receiver "$n"); break; fi
    local running=0
    for i in $(seq "$n"); do kill -0 "${pids[$((i - 1))]}" 2>/dev/null && running=1; done
    [ "$running" = 1 ] || break
    sleep 0.05
  done
  if [ -z "$victim" ]; then
    echo "kill rep $rep: the pulls ended before the registry sent $threshold bytes; lower KILL_MBPS" >&2
    return 1
  fi
  local t_kill t_up t_done t1 restart_log=$LOGS/$tag-node$victim-restart.log
  kill -KILL "${NODE_PID[$victim]}" "${pids[$((victim - 1))]}"
  t_kill=$(now)
  { wait "${NODE_PID[$victim]}" "${pids[$((victim - 1))]}"; } 2>/dev/null || true
  echo "  killed node $victim (pid ${NODE_PID[$victim]}) $(secs "$t0" "$t_kill") s after the start, the registry having sent $(mb "$sent") MB" >&2
  node_start "$victim" "$n" "$WORK/runs/$tag/node$victim" "$restart_log"
  node_answers "$victim" "$restart_log"
  members_up "$n" "$restart_log"
  t_up=$(now)
  local rerun=$LOGS/$tag-pull$victim-rerun rrc=0 ok_rcs=()
  pull_client "$victim" "$rerun" &
  local rpid=$!
  wait "$rpid" || rrc=$?
  t_done=$(now)
  local failed=0
  [ "$rrc" = 0 ] || failed=1
  for i in $(seq "$n"); do
    [ "$i" = "$victim" ] && continue
    if wait "${pids[$((i - 1))]}"; then ok_rcs[$i]=0; else ok_rcs[$i]=$?; failed=$((failed + 1)); fi
  done
  t1=$(now)
  kill "$dog" 2>/dev/null; wait "$dog" 2>/dev/null || true
  run_row kill pullcluster "$rep" "$n" "$KILL_MBPS" "$(secs "$t0" "$t1")" "$mark" "$failed" "$MEMBERS_S" \
    "$victim" "$sent" "$(secs "$t0" "$t_kill")" "$(secs "$t_kill" "$t_up")" "$(secs "$t_up" "$t_done")" "$(secs "$t0" "$t_done")"
  for i in $(seq "$n"); do
    if [ "$i" = "$victim" ]; then
      node_row kill pullcluster "$rep" "$i" rerun "$rrc" "$rerun" "$(blobs_done "$WORK/runs/$tag/node$i/blobs" "$t0")"
      [ "$rrc" = 0 ] || echo "  node $i's pull after the restart exited $rrc: $(grep -m1 . "$rerun.err" || true)" >&2
    else
      node_row kill pullcluster "$rep" "$i" pull "${ok_rcs[$i]}" "$LOGS/$tag-pull$i" "$(blobs_done "$WORK/runs/$tag/node$i/blobs" "$t0")"
      [ "${ok_rcs[$i]}" = 0 ] || echo "  node $i's client exited ${ok_rcs[$i]}: $(grep -m1 . "$LOGS/$tag-pull$i.err" || true)" >&2
    fi
  done
  nodes_stop
  tc_clear
}

# Stores are deleted only once a scenario is over, then the file system gets time to settle (see
# bench/README.md: deleting a few hundred MB slows the next run's writes on this machine).
purge() { rm -rf "$WORK/runs" "$CTD_ROOT"; sync; sleep 5; }

# --- set-up --------------------------------------------------------------------------------------

command -v tc >/dev/null && command -v ss >/dev/null || ensure_packages iproute2
case " $SCENARIOS " in *" uplink "*) containerd_prepare ;; esac
pullcluster_prepare
bash "$BENCH_ROOT/bench/images.sh" >/dev/null
CREGDIR=$WORK/registry
mkdir -p "$CREGDIR"
ln -sfn "$REGDIR/storage" "$CREGDIR/storage"
registry_up "$CREGDIR" "$CREG"
# From here on the clients (containerd_pull too) and the access-log readings (served in lib.sh) use it.
REG=$CREG
ALOG=$CREGDIR/access.log
if [ ! -s "$SECRET" ]; then
  (umask 077; head -c 32 /dev/urandom | base64 > "$SECRET")
fi
MANIFEST=$(curl -fsS -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REG/v2/${IMAGE%:*}/manifests/${IMAGE##*:}") ||
  { echo "cannot read the manifest of $REG/$IMAGE" >&2; exit 1; }
IMAGE_BYTES=$(jq '[.config.size, .layers[].size] | add' <<<"$MANIFEST")
echo "image $REG/$IMAGE: $(jq '.layers | length' <<<"$MANIFEST") layers + config, $IMAGE_BYTES blob bytes" >&2

echo "scenario,variant,rep,nodes,limit_mbps,wall_s,blob_bytes,blob_gets,image_bytes,failed,members_s,killed_node,kill_sent_bytes,kill_s,restart_up_s,rerun_s,restart_done_s" > "$CSV"
echo "scenario,variant,rep,node,pull,rc,seconds,from_registry,from_peers,from_store,bytes_fetched,manifest_digest,blobs_s" > "$NCSV"

purge
for sc in $SCENARIOS; do
  for rep in $(seq "$REPS"); do
    case $sc in
      solo) farm_run solo pullcluster "$rep" 1 - ;;
      farm3) farm_run farm3 pullcluster "$rep" 3 - ;;
      farm5) farm_run farm5 pullcluster "$rep" 5 - ;;
      uplink)
        # The three take turns, swapping order every repetition, so a slow patch of the machine hits all.
        order=("pc1" "pc5" "ctr5")
        if [ $((rep % 2)) = 0 ]; then order=("ctr5" "pc5" "pc1"); fi
        for v in "${order[@]}"; do
          case $v in
            pc1) farm_run uplink pc1 "$rep" 1 "$UPLINK_MBPS" ;;
            pc5) farm_run uplink pc5 "$rep" 5 "$UPLINK_MBPS" ;;
            ctr5) containerd_run uplink ctr5 "$rep" 5 "$UPLINK_MBPS" ;;
          esac
        done
        ;;
      kill) kill_run "$rep" ;;
    esac
  done
  purge
done

python3 "$BENCH_ROOT/bench/cluster_summary.py" "$CSV" "$NCSV" "$REG/$IMAGE" | tee "$RES/cluster-$STAMP.txt"
echo "raw: $CSV $NCSV, logs: $LOGS" >&2
