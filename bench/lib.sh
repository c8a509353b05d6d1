# Sourced by the bench scripts: where the benchmark keeps its data and which registry it uses.
BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR=${PULLCLUSTER_BENCH_DIR:-/var/tmp/pullcluster-bench}
REG=${PULLCLUSTER_BENCH_REGISTRY:-127.0.0.1:5000}
REGDIR=$BENCH_DIR/registry
ALOG=$REGDIR/access.log
. "$BENCH_ROOT/scripts/lib/apt.sh"
. "$BENCH_ROOT/scripts/lib/registry.sh"
. "$BENCH_ROOT/scripts/lib/oci_push.sh"
mkdir -p "$BENCH_DIR"

now() { date +%s.%N; }

# served FROM_LINE: "blob_bytes blob_gets" in the bench registry's access log after line FROM_LINE: the
# size field of the blob GETs answered 200 or 206 (manifests, HEADs and other requests are not counted).
served() {
  tail -n +"$(($1 + 1))" "$ALOG" | awk '
    $6 == "\"GET" && $7 ~ /\/blobs\/sha256:/ && ($9 == 200 || $9 == 206) { bytes += $10; gets++ }
    END { printf "%d %d\n", bytes, gets }'
}

# settle_cache FILE...: before every timed run the page cache of earlier runs is dropped (when the script
# may write /proc/sys/vm/drop_caches, as root), then the registry's blobs and the given files (the clients'
# binaries) are read back in. This machine is a VM whose host backs guest memory lazily: a run whose
# writes grow the page cache into memory never used before spends about 1 s more in the kernel per 220 MB
# written than a run reusing freed memory, so without this each run was slower than the one before it,
# whichever tool it was.
settle_cache() {
  sync
  if [ -w /proc/sys/vm/drop_caches ]; then echo 3 > /proc/sys/vm/drop_caches; fi
  find "$REGDIR/storage" -type f -exec cat {} + > /dev/null
  [ $# -eq 0 ] || cat "$@" > /dev/null
  sleep 1
}
