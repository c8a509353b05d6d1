#!/usr/bin/env bash
# Prepares a Debian 12 machine (as root, no interaction) to build and test PullCluster:
# the registry, image tools, peers and PostgreSQL the tests and demo use, then a NuGet restore.
# Idempotent: a second run installs nothing and only re-checks the restore.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib/apt.sh"

PACKAGES=(
  docker-registry   # the CNCF distribution registry the tests pull from
  skopeo umoci      # copy and inspect OCI images
  containerd        # ctr: a peer puller for the benchmark
  postgresql        # journal for the persistent actors
  zstd pigz gzip tar openssl
  jq curl python3
  apache2-utils     # htpasswd, for registries that require basic auth
  ca-certificates
)
ensure_packages "${PACKAGES[@]}"

# Members of this group may use a root node's socket (pullcluster.access.group); -f: no error if it exists.
# The admin group (pullcluster-admin, which may remove images) is left for the operator to create on purpose.
groupadd -f pullcluster

if ! command -v dotnet >/dev/null 2>&1; then
  echo "PullCluster needs the .NET SDK 10 (dotnet on PATH), and dotnet was not found" >&2
  exit 1
fi
if ! dotnet --list-sdks 2>/dev/null | grep -q '^10\.'; then
  echo "PullCluster needs the .NET SDK 10; dotnet --list-sdks shows: $(dotnet --list-sdks 2>&1 | tr '\n' ' ')" >&2
  exit 1
fi

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# No build nodes may outlive the script: they would keep running after CI and hold its output open.
export MSBUILDDISABLENODEREUSE=1
dotnet restore "$ROOT/PullCluster.sln" -nodeReuse:false --verbosity quiet
