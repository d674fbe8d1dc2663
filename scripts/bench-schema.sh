#!/usr/bin/env bash
# Prints a schema of N entities (500 unless given) for the benchmarks, each
# shaped like the example's entities: a GSI with a collection, an enum
# attribute, a set, defaults and timestamps.
#
#   scripts/bench-schema.sh [N] > big.dyn
set -euo pipefail
N="${1:-500}"
echo "service big"
echo "table Big {"
echo "  pk: pk"
echo "  sk: sk"
echo "  index gsi1 { pk: gsi1pk  sk: gsi1sk }"
echo "}"
echo "enum Status { Open  Closed }"
for ((i = 0; i < N; i++)); do
    cat <<ENTITY
/// Entity number $i.
entity Thing$i {
  owner: string
  id$i: string
  title: string
  body: string
  status: Status = Open
  count: u64 = 0
  tags: set<string>
  primary { pk: [owner]  sk: [id$i] }
  index byStatus on gsi1 collection group$((i % 10)) { pk: [owner]  sk: [status, id$i] }
  timestamps
}
ENTITY
done
