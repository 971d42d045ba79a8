#!/usr/bin/env bash
# Chat ingest benchmark: wecon against `cat` of the same files (the I/O limit) and against
# the Python peer (`json` + pandas/pyarrow, peer.py), on the same Slack exports, in one run.
#
#   benches/chat/run.sh            # from the project root; writes target/bench-results/chat.md
#
# Inputs: the real Slack workspace export of ../shared/data/slack-houstondatavis (380 files,
# 0.9 MB) and the Slack export of a synthetic organisation (`wecon synth --people 1000
# --weeks 52`: a channel per team, direct messages between teammates, joins and a bot's
# reminders; PEOPLE/WEEKS to change). Each command runs once to warm the page cache, then
# RUNS times (default 3): median wall time, largest peak RSS. Posts counted are wecon's
# accepted records; the peer prints its own count, which must be the same.
set -euo pipefail
cd "$(dirname "$0")/../.."

shared=../shared/data
data="${WECON_BENCH_DATA:-target/bench-data}"
results=target/bench-results
runs="${RUNS:-3}"
people="${PEOPLE:-1000}"
weeks="${WEEKS:-52}"
mkdir -p "$data" "$results"
# shellcheck source=../lib.sh
. benches/lib.sh
bench_setup

bench_venv pyarrow pandas -- pyarrow pandas

org="$data/slack-$people-$weeks"
if [ ! -d "$org" ]; then
    rm -rf "$org.part"
    "$wecon" synth --people "$people" --weeks "$weeks" --mail-format mbox --out "$org.part" >/dev/null
    # Only the Slack export: the benchmark measures chat ingest.
    mv "$org.part/chat/slack" "$org"
    rm -rf "$org.part"
fi

cat_tree() { find "$1" -type f -print0 | xargs -0 cat >/dev/null; }
export -f cat_tree

out="$results/chat.md"
{
    echo "Slack export ingest, $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m); median of $runs warm runs; release build."
    echo
    echo "| input | files | MB | posts | tool | wall s | peak RSS MB | records/s | MB/s | vs wecon |"
    echo "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|"
} >"$out"

for input in "$shared/slack-houstondatavis" "$org"; do
    files=$(find "$input" -type f | wc -l)
    bytes=$(find "$input" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
    mb=$(awk -v b="$bytes" 'BEGIN {printf "%.1f", b / 1e6}')
    read -r w_s w_kb < <(measure env WECON_KEY=bench-key-0123456789abcdef "$wecon" ingest "$input" --out "$work/ds" --rebuild --allow-rejects)
    read -r posts records < <("$py" -c "import json,sys; m=json.load(open(sys.argv[1])); print(m['records_accepted'], m['records_read'])" "$work/ds/manifest.json")
    read -r c_s c_kb < <(measure bash -c 'cat_tree "$1"' _ "$input")
    read -r p_s p_kb < <(measure "$py" benches/chat/peer.py "$work/peer.parquet" "$input")
    read -r p_posts p_rejected < <("$py" benches/chat/peer.py "$work/peer.parquet" "$input")
    if [ "$p_posts" != "$posts" ]; then
        echo "the peer kept $p_posts posts of $(basename "$input"), wecon $posts" >&2
    fi
    name=$(basename "$input")
    for tool in "wecon:$w_s:$w_kb" "cat:$c_s:$c_kb" "python:$p_s:$p_kb"; do
        IFS=: read -r t s kb <<<"$tool"
        awk -v name="$name" -v files="$files" -v mb="$mb" -v n="$posts" -v r="$records" -v t="$t" -v s="$s" -v kb="$kb" -v ws="$w_s" 'BEGIN {
            ss = (s > 0 ? s : 0.01)
            printf "| %s | %d | %s | %d | %s | %.2f | %.0f | %.0f | %.1f | %.2f× |\n", name, files, mb, n, t, s, kb / 1024, r / ss, mb / ss, s / (ws > 0 ? ws : 0.01)
        }' >>"$out"
    done
done
echo >>"$out"
echo "\`vs wecon\`: the tool's wall time divided by wecon's (above 1: slower than wecon). Records: every message read, posts and rejected alike." >>"$out"
cat "$out"
