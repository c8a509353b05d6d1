# Sourced by PullCluster's setup and bench scripts: install Debian packages without interaction.
#
# ensure_packages PKG...  installs the packages not installed yet. `apt-get update` runs only when
# something is missing. Debian's docker-registry, containerd and postgresql packages start their
# services on install (docker-registry would take 127.0.0.1:5000), so a policy-rc.d that refuses
# service starts is in place during the install; it is removed afterwards only if we created it.

missing_packages() {
  local installed p
  installed=$(dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null | awk '$4 == "installed" { print $1 }')
  for p in "$@"; do
    grep -qxF "$p" <<<"$installed" || printf '%s\n' "$p"
  done
}

ensure_packages() {
  local missing
  missing=$(missing_packages "$@")
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "missing Debian packages: $(echo $missing); run this script as root to install them" >&2
    return 1
  fi
  local policy=/usr/sbin/policy-rc.d created_policy=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod 755 "$policy"
    created_policy=1
  fi
  local rc=0
  echo "installing Debian packages: $(echo $missing)" >&2
  {
    DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
  } >&2 || rc=$?
  [ -n "$created_policy" ] && rm -f "$policy"
  if [ "$rc" != 0 ]; then
    echo "apt-get install of $(echo $missing) failed (exit $rc)" >&2
    return "$rc"
  fi
}
