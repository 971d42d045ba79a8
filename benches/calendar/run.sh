#!/usr/bin/env bash
# Calendar ingest benchmark: wecon (icalendar + rrule crates) against the Python peer
# (icalendar + recurring-ical-events, peer.py) on the same files and window, in one run.
#
#   benches/calendar/run.sh        # from the project root; writes target/bench-results/calendar.md
#
# Inputs: the calendars of a synthetic organisation (`wecon synth --people 400 --weeks 26`:
# one .ics per person, weekly series with exceptions, 1:1s, all-hands; PEOPLE/WEEKS to
# change) and libical's large.ics (1 MB). Both tools expand within the same window. Each
# command runs once to warm the page cache, then RUNS times (default 3): median wall time,
# largest peak RSS.
set -euo pipefail
cd "$(dirname "$0")/../.."

shared=../shared/data
data="${WECON_BENCH_DATA:-target/bench-data}"
results=target/bench-results
runs="${RUNS:-3}"
people="${PEOPLE:-400}"
weeks="${WEEKS:-26}"
mkdir -p "$data" "$results"
# shellcheck source=../lib.sh
. benches/lib.sh
bench_setup

bench_venv pyarrow icalendar recurring_ical_events -- pyarrow icalendar recurring-ical-events

org="$data/synth-$people-$weeks"
if [ ! -d "$org/calendar" ]; then
    rm -rf "$org.part"
    "$wecon" synth --people "$people" --weeks "$weeks" --out "$org.part" >/dev/null
    mkdir -p "$org"
    # Only the calendars: the benchmark measures calendar ingest.
    mv "$org.part/calendar" "$org/calendar"
    rm -rf "$org.part"
fi
large="$shared/libical/test-data/large.ics"


out="$results/calendar.md"
{
    echo "Calendar ingest, $(date -u +%Y-%m-%d), $(nproc) cores; median of $runs warm runs; release build."
    echo
    echo "| input | files | MB | window | tool | occurrences | wall s | peak RSS MB | occurrences/s | vs wecon |"
    echo "|---|---:|---:|---|---|---:|---:|---:|---:|---:|"
} >"$out"

bench() { # name input since until
    local name=$1 input=$2 since=$3 until=$4
    local files mb
    files=$(find "$input" -name '*.ics' | wc -l)
    mb=$(find "$input" -name '*.ics' -printf '%s\n' | awk '{s+=$1} END {printf "%.1f", s / 1e6}')
    read -r w_s w_kb < <(measure env WECON_KEY=bench-key-0123456789abcdef "$wecon" ingest "$input" --out "$work/ds" --rebuild --allow-rejects --since "$since" --until "$until")
    local w_n p_n
    w_n=$("$py" -c "import json,sys; print(json.load(open(sys.argv[1]))['activities'])" "$work/ds/manifest.json")
    read -r p_s p_kb < <(measure "$py" benches/calendar/peer.py "$work/peer.parquet" "$since" "$until" "$input")
    p_n=$("$py" -c "import pyarrow.parquet as pq,sys; print(pq.read_metadata(sys.argv[1]).num_rows)" "$work/peer.parquet")
    for tool in "wecon:$w_n:$w_s:$w_kb" "python:$p_n:$p_s:$p_kb"; do
        IFS=: read -r t n s kb <<<"$tool"
        awk -v name="$name" -v files="$files" -v mb="$mb" -v win="$since..$until" -v t="$t" -v n="$n" -v s="$s" -v kb="$kb" -v ws="$w_s" 'BEGIN {
            ss = (s > 0 ? s : 0.01)
            printf "| %s | %d | %s | %s | %s | %d | %.2f | %.0f | %.0f | %.1f× |\n", name, files, mb, win, t, n, s, kb / 1024, n / ss, s / (ws > 0 ? ws : 0.01)
        }' >>"$out"
    done
}

bench "synthetic organisation ($people people × $weeks weeks)" "$org/calendar" 2000-01-01 2100-01-01
bench "libical large.ics" "$large" 1997-01-01 1999-01-01
echo >>"$out"
echo "\`vs wecon\`: the tool's wall time divided by wecon's. Occurrence counts differ where the two read a rule or a broken file differently." >>"$out"
cat "$out"
