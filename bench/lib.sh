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
