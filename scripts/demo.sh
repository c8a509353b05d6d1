#!/usr/bin/env bash
# PullCluster demo on a fresh machine, without internet: prepares the machine, runs a local
# registry, builds a small real image from this machine's own files, pushes it, then pulls it with
# PullCluster and lists the images PullCluster holds.
#
#   scripts/demo.sh        run the demo (quick when run again: everything is reused)
#   scripts/demo.sh stop   stop the demo registry
#
# The registry listens on 127.0.0.1:5000 (PULLCLUSTER_DEMO_REGISTRY=HOST:PORT to use another
# address, e.g. when 5000 is taken) and keeps its storage and access log under
# /var/tmp/pullcluster-demo/registry; it stays up after the demo so the image can be pulled again.
#
# The image, demo:1, has two layers: a minimal root filesystem (bash, ls, cat and the libraries they
# load, /etc/passwd and /etc/group) and an app layer with /app/hello.sh, its command.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. scripts/lib/registry.sh
. scripts/lib/oci_push.sh

DEMO=${PULLCLUSTER_DEMO_DIR:-/var/tmp/pullcluster-demo}
REG=${PULLCLUSTER_DEMO_REGISTRY:-127.0.0.1:5000}
IMAGE=$REG/demo:1

if [ "${1:-}" = stop ]; then
  registry_down "$DEMO/registry"
  echo "demo registry stopped"
  exit 0
fi

bash scripts/setup.sh

# 1. registry: ours if it runs, any distribution registry already serving $REG, else a new one
if registry_pid_alive "$DEMO/registry" || ! registry_answers "$REG"; then
  registry_up "$DEMO/registry" "$REG" ||
    { echo "set PULLCLUSTER_DEMO_REGISTRY=127.0.0.1:PORT to run the demo registry on a free port" >&2; exit 1; }
  echo "registry: $REG (pid $(cat "$DEMO/registry/registry.pid"), storage and access log in $DEMO/registry)"
else
  echo "registry: using the registry already serving $REG"
fi

# 2. layer tars from this machine's files; a rebuilt tar identical to the cached one is dropped,
#    so digests and caches stay as they were
TARFLAGS=(--sort=name --mtime=@1700000000 --numeric-owner --owner=0 --group=0 --format=posix
          --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime)
mkdir -p "$DEMO/layers"
layer() { # layer NAME DIR: DEMO/layers/NAME.tar from the contents of DIR
  local out=$DEMO/layers/$1.tar
  tar "${TARFLAGS[@]}" -C "$2" -cf "$out.new" .
  if cmp -s "$out.new" "$out"; then rm -f "$out.new"; else mv "$out.new" "$out"; fi
}

src=$DEMO/src
rm -rf "$src"
mkdir -p "$src/base/usr/bin" "$src/base/usr/lib" "$src/base/usr/lib64" "$src/base/etc" "$src/base/tmp" "$src/app/app"
chmod 1777 "$src/base/tmp"
for d in bin lib lib64 sbin; do ln -s "usr/$d" "$src/base/$d"; done
mkdir -p "$src/base/usr/sbin"
for b in bash ls cat; do
  cp -L "/usr/bin/$b" "$src/base/usr/bin/"
  # the libraries it loads, at their merged-/usr paths (/lib/x -> usr/lib/x)
  for lib in $(ldd "/usr/bin/$b" | grep -o '/[^ ]*'); do
    rel=${lib#/}; rel=${rel#usr/}
    mkdir -p "$src/base/usr/$(dirname "$rel")"
    cp -L "$lib" "$src/base/usr/$rel"
  done
done
ln -s bash "$src/base/usr/bin/sh"
printf 'root:x:0:0:root:/root:/bin/bash\n' > "$src/base/etc/passwd"
printf 'root:x:0:\n' > "$src/base/etc/group"
cat > "$src/app/app/hello.sh" <<'SH'
#!/bin/bash
echo "hello from the PullCluster demo image"
ls -l /app
SH
chmod 755 "$src/app/app/hello.sh"
layer base "$src/base"
layer app "$src/app"

# 3. OCI layout and push
python3 bench/mkoci.py "$DEMO/oci" demo-1 --compression gzip --label org.opencontainers.image.title=pullcluster-demo \
  --cmd /app/hello.sh "$DEMO/layers/base.tar" "$DEMO/layers/app.tar" >/dev/null
oci_push "$DEMO/oci" demo-1 "$REG" demo 1
echo "image: $IMAGE ($(oci_layout_digest "$DEMO/oci" demo-1))"

# 4. PullCluster
if [ ! -x ./pullcluster ]; then
  echo "./pullcluster (the PullCluster command wrapper) is missing from $ROOT" >&2
  exit 1
fi
echo "+ ./pullcluster pull $IMAGE"
./pullcluster pull "$IMAGE"
echo "+ ./pullcluster image ls"
./pullcluster image ls
