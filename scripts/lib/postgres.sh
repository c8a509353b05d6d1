# Sourced by PullCluster's test script: a running PostgreSQL 15 cluster with the pullcluster role.
#
# ensure_postgres  creates cluster 15/main if missing, starts it if down (it stays running: it is a
# system service), creates role pullcluster (password pullcluster, CREATEDB) and database pullcluster if absent, and
# exports PULLCLUSTER_TEST_PG for the tests.

pg_cluster_field() { # pg_cluster_field N -> column N of `pg_lsclusters` for 15/main
  pg_lsclusters -h 2>/dev/null | awk -v f="$1" '$1 == "15" && $2 == "main" { print $f }'
}

pg_as_postgres() { # psql as the postgres superuser, from a directory it can read
  (cd / && runuser -u postgres -- psql -p "$1" -v ON_ERROR_STOP=1 -tAq -c "$2")
}

ensure_postgres() {
  if [ -z "$(pg_cluster_field 1)" ]; then
    pg_createcluster 15 main >/dev/null || { echo "pg_createcluster 15 main failed" >&2; return 1; }
  fi
  if [ "$(pg_cluster_field 4)" != online ]; then
    pg_ctlcluster 15 main start || {
      echo "pg_ctlcluster 15 main start failed; see /var/log/postgresql/postgresql-15-main.log" >&2
      return 1
    }
  fi
  local port
  port=$(pg_cluster_field 3)
  local i
  for i in $(seq 50); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break
    sleep 0.2
  done
  pg_isready -q -h 127.0.0.1 -p "$port" || { echo "PostgreSQL 15/main does not accept connections on 127.0.0.1:$port" >&2; return 1; }
  if [ "$(pg_as_postgres "$port" "SELECT 1 FROM pg_roles WHERE rolname = 'pullcluster'")" != 1 ]; then
    pg_as_postgres "$port" "CREATE ROLE pullcluster LOGIN CREATEDB PASSWORD 'pullcluster'" || return 1
  else
    # Each test gets a database of its own, created and dropped by the role.
    pg_as_postgres "$port" "ALTER ROLE pullcluster CREATEDB" || return 1
  fi
  if [ "$(pg_as_postgres "$port" "SELECT 1 FROM pg_database WHERE datname = 'pullcluster'")" != 1 ]; then
    pg_as_postgres "$port" "CREATE DATABASE pullcluster OWNER pullcluster" || return 1
  fi
  export PULLCLUSTER_TEST_PG="Host=127.0.0.1;Port=$port;Username=pullcluster;Password=pullcluster;Database=pullcluster"
}
