#!/usr/bin/env bash
# PullCluster's test command: prepares the machine, starts PostgreSQL 15, builds the solution in
# Release, runs the xunit suite and prints, as its very last line, `N passed, N failed` (with
# `, N skipped` when tests were skipped).
#
#   scripts/test.sh              all tests
#   scripts/test.sh Layers       tests whose full name contains "Layers" (several words: any of them)
#   scripts/test.sh 'Category=X' a raw `dotnet test --filter` expression
#
# Exit status is non-zero when a test failed, when no test ran, or when the build or test host
# failed. The tests start their own registries; every process this script started is ended before
# it exits, except PostgreSQL, a system service.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. scripts/lib/sweep.sh
. scripts/lib/postgres.sh

RESULTS=${PULLCLUSTER_TEST_RESULTS:-$ROOT/TestResults}
TEST_TIMEOUT=${PULLCLUSTER_TEST_TIMEOUT:-1320}  # CI allows 30 min for setup, build and tests
HANG_TIMEOUT=${PULLCLUSTER_TEST_HANG_TIMEOUT:-5m}
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# No build node or compiler server may outlive this script.
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0

passed=0 failed=0 skipped=0
finish() { # finish EXIT_CODE: end our processes, then the summary line, last
  sweep_marked
  local line="$passed passed, $failed failed"
  [ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
  echo "$line"
  exit "$1"
}
trap 'echo "interrupted" >&2; finish 130' INT TERM

filter_args=()
if [ $# -gt 0 ]; then
  if [ $# -eq 1 ] && [[ $1 == *[=~\&\|]* ]]; then
    expr=$1
  else
    expr=$(printf 'FullyQualifiedName~%s|' "$@"); expr=${expr%|}
  fi
  filter_args=(--filter "$expr")
fi

step() { echo "==> $*" >&2; }

step "setup"
marked bash scripts/setup.sh || { echo "scripts/setup.sh failed" >&2; finish 1; }

step "PostgreSQL 15"
ensure_postgres || { echo "PostgreSQL is not available for the tests" >&2; finish 1; }

step "build (Release)"
marked dotnet build PullCluster.sln -c Release -nodeReuse:false -p:UseSharedCompilation=false \
  --verbosity quiet -clp:Summary || { echo "build failed" >&2; finish 1; }

step "test ${filter_args[*]}"
rm -rf "$RESULTS"
marked timeout --kill-after=30 "$TEST_TIMEOUT" \
  dotnet test tests/PullCluster.Tests -c Release --no-build "${filter_args[@]}" \
    --logger "trx;LogFileName=results.trx" --logger "console;verbosity=normal" \
    --results-directory "$RESULTS" --blame-hang-timeout "$HANG_TIMEOUT" --blame-hang-dump-type none
test_rc=$?
[ "$test_rc" = 124 ] && echo "dotnet test did not finish within ${TEST_TIMEOUT}s" >&2

trx=$RESULTS/results.trx
if [ ! -s "$trx" ]; then
  echo "dotnet test exited $test_rc and wrote no results ($trx)" >&2
  finish 1
fi
if ! counts=$(python3 scripts/lib/trx_summary.py "$trx"); then
  finish 1
fi
read -r passed failed skipped run_outcome <<<"$counts"

if [ "$run_outcome" = Aborted ] || { [ "$test_rc" != 0 ] && [ "$failed" = 0 ]; }; then
  echo "test run ${run_outcome} (dotnet test exit $test_rc): the test host crashed or hung, see above;" \
       "counts below are the results reported before that" >&2
  finish 1
fi
if [ $((passed + failed)) -eq 0 ]; then
  echo "no test ran${filter_args[*]:+ (filter: ${filter_args[1]})}" >&2
  finish 1
fi
if [ "$failed" -gt 0 ]; then finish 1; fi
finish 0
