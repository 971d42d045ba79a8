#!/usr/bin/env bash
# Mail ingest benchmark: wecon against `cat` of the same files (the I/O limit) and against
# the Python standard-library peer (peer.py), on the same inputs, in one run.
#
#   benches/mail/run.sh            # from the project root; writes target/bench-results/mail.md
#
# Inputs: the Enron mail trees of ../shared/data (13,148 small files) and one large mboxrd
# file built from real test mail by make_mbox.py (>= 150 MB; MBOX_MB to change); then wecon
# alone on larger mboxes built the same way (SCALE_MB, default "640 2560": 3.2 GB of disk),
# for peak memory against input size; and an mbox of 2,000 present-day messages
# (make_modern.py: multipart, a fifth with a PDF attachment, 251 MB). The
# peer's pyarrow is installed into target/bench-venv. Each command runs once to warm the
# page cache, then RUNS times (default 3); the median wall time and the largest peak RSS
# are reported.
set -euo pipefail
cd "$(dirname "$0")/../.."

shared=../shared/data
enron="${ENRON:-$shared/enron-maildir-fullfolders/maildir}"
data="${WECON_BENCH_DATA:-target/bench-data}"
results=target/bench-results
runs="${RUNS:-3}"
mbox_mb="${MBOX_MB:-160}"
mkdir -p "$data" "$results"
# shellcheck source=../lib.sh
. benches/lib.sh
bench_setup

bench_venv pyarrow -- pyarrow

big="$data/big-${mbox_mb}.mbox"
small="$data/small-$((mbox_mb / 4)).mbox"
[ -s "$big" ] || "$py" benches/mail/make_mbox.py "$big" "$mbox_mb" "$enron" "$shared/ponymail-apache-mbox/corpus"
[ -s "$small" ] || "$py" benches/mail/make_mbox.py "$small" "$((mbox_mb / 4))" "$enron" "$shared/ponymail-apache-mbox/corpus"

modern="$data/modern-2000.mbox"
[ -s "$modern" ] || "$py" benches/mail/make_modern.py "$modern" 2000

cat_tree() { find "$1" -type f -print0 | xargs -0 cat >/dev/null; }
export -f cat_tree

records() { "$py" -c "import json,sys; print(json.load(open(sys.argv[1]))['${2:-records_read}'])" "$1/manifest.json"; }

out="$results/mail.md"
{
    echo "Mail ingest, $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m); median of $runs warm runs; release build."
    echo
    echo "| input | MB | messages | tool | wall s | peak RSS MB | messages/s | MB/s | vs wecon |"
    echo "|---|---:|---:|---|---:|---:|---:|---:|---:|"
} >"$out"

for input in "$enron" "$small" "$big" "$modern"; do
    bytes=$(find "$input" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
    mb=$(awk -v b="$bytes" 'BEGIN {printf "%.0f", b / 1e6}')
    read -r w_s w_kb < <(measure env WECON_KEY=bench-key-0123456789abcdef "$wecon" ingest "$input" --out "$work/ds" --rebuild --allow-rejects)
    n=$(records "$work/ds")
    read -r c_s c_kb < <(measure bash -c 'cat_tree "$1"' _ "$input")
    read -r p_s p_kb < <(measure "$py" benches/mail/peer.py "$work/peer.parquet" "$input")
    name=$(basename "$input")
    for tool in "wecon:$w_s:$w_kb" "cat:$c_s:$c_kb" "python:$p_s:$p_kb"; do
        IFS=: read -r t s kb <<<"$tool"
        awk -v name="$name" -v mb="$mb" -v n="$n" -v t="$t" -v s="$s" -v kb="$kb" -v ws="$w_s" 'BEGIN {
            ss = (s > 0 ? s : 0.01)
            printf "| %s | %d | %d | %s | %.2f | %.0f | %.0f | %.1f | %.2f× |\n", name, mb, n, t, s, kb / 1024, n / ss, mb / ss, s / (ws > 0 ? ws : 0.01)
        }' >>"$out"
    done
done
echo >>"$out"
echo "\`vs wecon\`: the tool's wall time divided by wecon's (above 1: slower than wecon)." >>"$out"

{
    echo
    echo "wecon's peak memory against the size of one mbox:"
    echo
    echo "| mbox | MB | messages | accepted | wall s | peak RSS MB | MB/s |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
} >>"$out"
for m in $mbox_mb ${SCALE_MB:-640 2560}; do
    input="$data/big-$m.mbox"
    [ -s "$input" ] || "$py" benches/mail/make_mbox.py "$input" "$m" "$enron" "$shared/ponymail-apache-mbox/corpus"
    bytes=$(stat -c %s "$input")
    read -r w_s w_kb < <(measure env WECON_KEY=bench-key-0123456789abcdef "$wecon" ingest "$input" --out "$work/ds" --rebuild --allow-rejects)
    awk -v name="$(basename "$input")" -v b="$bytes" -v n="$(records "$work/ds")" -v a="$(records "$work/ds" records_accepted)" -v s="$w_s" -v kb="$w_kb" 'BEGIN {
        printf "| %s | %.0f | %d | %d | %.2f | %.0f | %.1f |\n", name, b / 1e6, n, a, s, kb / 1024, b / 1e6 / s
    }' >>"$out"
done
cat "$out"
