#!/usr/bin/env bash
# Analysis benchmark: the whole metric library (`wecon analyze`, DataFusion) against DuckDB
# running the same SQL files on the same Parquet dataset (benches/analysis/duck.py), on
# synthetic organisations of PEOPLE × 52 weeks (default 100 and 1,000; add 4000 for the
# growth check). DuckDB comes from pip into the benchmark's virtualenv, never a project
# dependency. Wall time and peak RSS, medians of RUNS runs (default 3).
#
#   benches/analysis/run.sh                 # writes target/bench-results/analysis.md
#   SIZES="100 1000 4000" benches/analysis/run.sh
#   LIMIT=3G benches/analysis/run.sh        # also wecon analyze --memory-limit 3G
#   PEER_SIZES="100 1000" ...               # run DuckDB at these sizes only (default: all)
#   FREE_SIZES="100 1000" ...               # analyze without a limit at these sizes only
#
# Each wecon run's `run.json` (every table's rows and seconds) is kept beside the results as
# target/bench-results/analysis-run-PEOPLE[-limit].json.
# The ingest that makes each dataset (when target/bench-data lacks it) is timed once too,
# into target/bench-results/analysis-ingest.md: its peak memory against the input's size.
set -euo pipefail
cd "$(dirname "$0")/../.."
. benches/lib.sh
runs="${RUNS:-3}"
sizes="${SIZES:-100 1000}"
peer_sizes="${PEER_SIZES-$sizes}"
free_sizes="${FREE_SIZES-$sizes}"
limit="${LIMIT:-}"
weeks="${WEEKS:-52}"
data="${WECON_BENCH_DATA:-target/bench-data}"
results=target/bench-results
mkdir -p "$data" "$results"
bench_setup
bench_venv duckdb -- "duckdb>=1.1"
profile=queries/profiles/wecon.toml

{
    echo "Metric library, $(date -u +%Y-%m-%d), $(nproc) cores, release build, medians of $runs runs."
    echo
    echo "| people × weeks | activities | engine | wall s | peak RSS MB | time vs DataFusion | same results |"
    echo "|---|---:|---|---:|---:|---:|---|"
} >"$results/analysis.md"
{
    echo "Ingest of each synthetic organisation (mbox mail), $(date -u +%Y-%m-%d), one run."
    echo
    echo "| people × weeks | input MB | wall s | peak RSS MB |"
    echo "|---|---:|---:|---:|"
} >"$results/analysis-ingest.md"

for people in $sizes; do
    ds="$data/ds-$people-$weeks"
    made=$(bench_dataset "$people" "$weeks" "$ds")
    if [ -n "$made" ]; then
        read -r mb is ikb <<<"$made"
        echo "| $people × $weeks | $mb | $is | $((ikb / 1024)) |" >>"$results/analysis-ingest.md"
    fi
    activities=$("$wecon" query "$ds" "select count(*) as n from activities" --format csv | tail -1)
    ws=
    case " $free_sizes " in *" $people "*)
        read -r ws wkb < <(measure "$wecon" analyze "$ds" --out "$work/wecon-$people" --individual)
        echo "| $people × $weeks | $activities | DataFusion (\`wecon analyze\`) | $ws | $((wkb / 1024)) | 1.00× | |" >>"$results/analysis.md"
        # Each table's seconds, to see which grow faster than the data.
        cp "$work/wecon-$people/run.json" "$results/analysis-run-$people.json"
    esac
    if [ -n "$limit" ]; then
        read -r ls lkb < <(measure "$wecon" analyze "$ds" --out "$work/wecon-$people-limit" --individual --memory-limit "$limit")
        ratio=$( [ -n "$ws" ] && awk -v a="$ls" -v b="$ws" 'BEGIN { printf "%.2f×", a / b }' || echo "")
        echo "| $people × $weeks | $activities | DataFusion, \`--memory-limit $limit\` | $ls | $((lkb / 1024)) | $ratio | |" >>"$results/analysis.md"
        cp "$work/wecon-$people-limit/run.json" "$results/analysis-run-$people-limit.json"
    fi
    case " $peer_sizes " in *" $people "*) ;; *) continue ;; esac
    read -r ds_s dkb < <(measure "$py" benches/analysis/duck.py "$ds" "$work/duck-$people" "$profile")
    # Both engines must have computed the same tables, value for value.
    same=yes
    "$py" benches/analysis/duck.py "$ds" "$work/duck-$people" "$profile" "$work/wecon-$people" >/dev/null || same=NO
    ratio=$(awk -v a="$ds_s" -v b="$ws" 'BEGIN { printf "%.2f×", a / b }')
    echo "| $people × $weeks | $activities | DuckDB (same SQL) | $ds_s | $((dkb / 1024)) | $ratio | $same |" >>"$results/analysis.md"
done
cat "$results/analysis.md"
[ -f "$results/analysis-ingest.md" ] && cat "$results/analysis-ingest.md"
