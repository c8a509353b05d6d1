#!/usr/bin/env bash
# Builds the benchmark images without internet and pushes them to the bench's own registry
# (127.0.0.1:5000, data and access log under /var/tmp/pullcluster-bench/registry).
#
#   bench/base:1       3 layers of a debootstrapped Debian 12 minbase rootfs (core, usr/lib,
#                      usr/share): ~220 MB of tar, ~78 MB gzip
#   bench/base:1-zstd  the same tars compressed with zstd -3
#   bench/app1:1       base's 3 layers (same digests) + 2 small layers of its own
#   bench/app2:1       the same, with 2 other small layers
#   bench/many:1       40 small layers: the files of usr/share split into 40 chunks (~70 MB of tar)
#
# Layer tars are deterministic (sorted, fixed mtime, numeric owners), compressed by pigz -n / zstd,
# and written as OCI layouts by bench/mkoci.py. Everything is cached under the bench directory, so a
# second run only re-checks what the registry holds. The registry is stopped again at the end if
# this script started it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ROOTFS=$BENCH_DIR/rootfs
L=$BENCH_DIR/layers
OCI=$BENCH_DIR/oci
mkdir -p "$L"

ensure_packages debootstrap debian-archive-keyring docker-registry skopeo pigz zstd python3 curl jq

registry_up "$REGDIR" "$REG"
if [ "$REGISTRY_STARTED" = 1 ]; then
  trap 'registry_down "$REGDIR"' EXIT
  trap 'exit 1' INT TERM HUP PIPE
fi

# 1. a realistic rootfs, debootstrapped from the Debian mirror apt already uses
if [ ! -x "$ROOTFS/usr/bin/python3" ]; then
  mirror=${PULLCLUSTER_BENCH_MIRROR:-$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)}
  echo "debootstrap bookworm from $mirror (log: $BENCH_DIR/debootstrap.log)" >&2
  rm -rf "$ROOTFS"
  debootstrap --variant=minbase --include=python3,perl,openssl,ca-certificates \
    bookworm "$ROOTFS" "$mirror" >"$BENCH_DIR/debootstrap.log" 2>&1 ||
    { echo "debootstrap failed; see $BENCH_DIR/debootstrap.log" >&2; exit 1; }
  # what `apt-get clean` and an image build would drop
  rm -f "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/cache/apt/*.bin
  rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/dev/*
fi

TARFLAGS=(--sort=name --mtime=@1700000000 --numeric-owner --owner=0 --group=0 --format=posix
          --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime)
layer() { # layer NAME TAR-ARGS...: a deterministic tar, built once
  local out=$L/$1.tar; shift
  [ -s "$out" ] && return 0
  tar "${TARFLAGS[@]}" -cf "$out.tmp" "$@"
  mv "$out.tmp" "$out"
}

# 2. layer tars
layer base-core     -C "$ROOTFS" --exclude=./usr/lib --exclude=./usr/share --exclude='./proc/*' --exclude='./sys/*' .
layer base-usrlib   -C "$ROOTFS" ./usr/lib
layer base-usrshare -C "$ROOTFS" ./usr/share

app_layers() { # app_layers NAME BINARY: /opt/NAME/bin (a binary of the rootfs) and /opt/NAME/etc
  local name=$1 bin=$2 src=$BENCH_DIR/appsrc/$1
  [ -s "$L/$name-bin.tar" ] && [ -s "$L/$name-etc.tar" ] && return 0
  rm -rf "$src"; mkdir -p "$src/bin/opt/$name/bin" "$src/etc/opt/$name/etc"
  cp "$ROOTFS/usr/bin/$bin" "$src/bin/opt/$name/bin/"
  printf 'name=%s\nport=8080\n' "$name" > "$src/etc/opt/$name/etc/app.conf"
  # 256 KiB of incompressible but reproducible data, different per app
  python3 -c 'import random, sys; sys.stdout.buffer.write(random.Random(sys.argv[1]).randbytes(262144))' \
    "$name" > "$src/etc/opt/$name/etc/seed.bin"
  layer "$name-bin" -C "$src/bin" ./opt
  layer "$name-etc" -C "$src/etc" ./opt
}
app_layers app1 perl
app_layers app2 python3.11

NMANY=40
if [ ! -s "$L/many-$((NMANY - 1)).tar" ]; then
  lists=$BENCH_DIR/many-lists
  rm -rf "$lists" "$L"/many-*; mkdir -p "$lists"
  # files and symlinks of usr/share, in name order, cut into NMANY chunks of about equal size
  (cd "$ROOTFS" && find ./usr/share \( -type f -o -type l \) -printf '%s %p\n' | LC_ALL=C sort -k2) |
    awk -v n="$NMANY" -v out="$lists" '
      { size[NR] = $1; path[NR] = $2; total += $1 }
      END { c = 0; acc = 0
            for (i = 1; i <= NR; i++) {
              f = out "/" c; print path[i] > f; acc += size[i]
              if (acc >= total * (c + 1) / n && c < n - 1) { close(f); c++ }
            } }'
  for i in $(seq 0 $((NMANY - 1))); do
    layer "many-$i" -C "$ROOTFS" --no-recursion -T "$lists/$i"
  done
fi

# 3. OCI layouts
BASE=("$L/base-core.tar" "$L/base-usrlib.tar" "$L/base-usrshare.tar")
MANY=(); for i in $(seq 0 $((NMANY - 1))); do MANY+=("$L/many-$i.tar"); done
mk() { python3 "$BENCH_ROOT/bench/mkoci.py" "$@" >/dev/null; }
mk "$OCI/gzip" base-1 --compression gzip --label bench.image=base "${BASE[@]}"
mk "$OCI/zstd" base-1 --compression zstd --label bench.image=base "${BASE[@]}"
mk "$OCI/gzip" app1-1 --compression gzip --label bench.image=app1 "${BASE[@]}" "$L/app1-bin.tar" "$L/app1-etc.tar"
mk "$OCI/gzip" app2-1 --compression gzip --label bench.image=app2 "${BASE[@]}" "$L/app2-bin.tar" "$L/app2-etc.tar"
mk "$OCI/gzip" many-1 --compression gzip --label bench.image=many "${MANY[@]}"

# 4. push (skipped for images the registry already serves)
oci_push "$OCI/gzip" base-1 "$REG" bench/base 1
oci_push "$OCI/zstd" base-1 "$REG" bench/base 1-zstd
oci_push "$OCI/gzip" app1-1 "$REG" bench/app1 1
oci_push "$OCI/gzip" app2-1 "$REG" bench/app2 1
oci_push "$OCI/gzip" many-1 "$REG" bench/many 1

# 5. what the registry now serves (each push checked the registry's manifest digest)
python3 "$BENCH_ROOT/bench/describe.py" "$L" \
  "$REG/bench/base:1=$OCI/gzip:base-1" "$REG/bench/base:1-zstd=$OCI/zstd:base-1" \
  "$REG/bench/app1:1=$OCI/gzip:app1-1" "$REG/bench/app2:1=$OCI/gzip:app2-1" \
  "$REG/bench/many:1=$OCI/gzip:many-1" >&2
