#!/usr/bin/env bash
# Generator benchmark: `wecon synth` for a large organisation (PEOPLE × WEEKS, default
# 1,000 × 52, mailboxes as mbox), wall time and peak RSS; then `wecon ingest` of it.
#
#   benches/synth/run.sh          # from the project root; writes target/bench-results/synth.md
set -euo pipefail
cd "$(dirname "$0")/../.."
people="${PEOPLE:-1000}"
weeks="${WEEKS:-52}"
data="${WECON_BENCH_DATA:-target/bench-data}"
results=target/bench-results
mkdir -p "$data" "$results"
cargo build --release --bin wecon --quiet
org="$data/synth-$people-$weeks"
rm -rf "$org" "$data/ds-$people-$weeks"
/usr/bin/time -f "%e %M" -o "$results/synth.time" \
    target/release/wecon synth --people "$people" --weeks "$weeks" --mail-format mbox --out "$org" \
    2>"$results/synth.log"
read -r s kb <"$results/synth.time"
bytes=$(du -sb "$org" | cut -f1)
/usr/bin/time -f "%e %M" -o "$results/ingest.time" \
    env WECON_KEY=bench-key-0123456789abcdef target/release/wecon ingest "$org" --out "$data/ds-$people-$weeks" \
    2>"$results/ingest.log"
read -r is ikb <"$results/ingest.time"
{
    echo "Synthetic organisation, $(date -u +%Y-%m-%d), $(nproc) cores, release build."
    echo
    echo "| step | people × weeks | wall s | peak RSS MB | output |"
    echo "|---|---|---:|---:|---|"
    echo "| \`wecon synth --mail-format mbox\` | $people × $weeks | $s | $((kb / 1024)) | $((bytes / 1000000)) MB: $(tail -1 "$results/synth.log" | sed 's/^wrote //; s/ to .*//') |"
    echo "| \`wecon ingest\` of it | $people × $weeks | $is | $((ikb / 1024)) | $(grep '^ingested' "$results/ingest.log" | sed 's/ into .*//; s/^ingested //') |"
} >"$results/synth.md"
cat "$results/synth.md"
