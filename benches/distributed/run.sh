#!/usr/bin/env bash
# Distributed benchmark: the metric library on one synthetic organisation (PEOPLE × 52
# weeks, default 100 and 1,000), run three ways on this one machine:
#   - locally: `wecon analyze DATASET`;
#   - on a Ballista cluster: a `wecon cluster scheduler` and two `wecon cluster executor`s,
#     separate processes on 127.0.0.1, and `wecon analyze DATASET --cluster df://...`;
#   - from object storage: the dataset uploaded to an S3-compatible server (moto, from PyPI
#     in the benchmark's virtualenv) and `wecon analyze s3://...`.
# Every run writes the same results (checked table by table against the local run). Wall
# time of `wecon analyze` and peak RSS of each process (the executors' too), medians of
# RUNS runs (default 3). On one machine the cluster measures Ballista's overhead, not a
# speed-up, and moto is a Python emulator: its numbers bound what a real store costs from
# above.
#
#   benches/distributed/run.sh              # writes target/bench-results/distributed.md
#   SIZES="100" RUNS=1 benches/distributed/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
. benches/lib.sh
runs="${RUNS:-3}"
sizes="${SIZES:-100 1000}"
weeks=52
data="${WECON_BENCH_DATA:-target/bench-data}"
results=target/bench-results
mkdir -p "$data" "$results"
bench_setup
bench_venv moto boto3 duckdb -- "moto[server]>=5" boto3 "duckdb>=1.1"
export WECON_KEY=bench-key-0123456789abcdef

pids=()
stop_all() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap stop_all EXIT

free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
    for _ in $(seq 600); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "nothing listens on port $1" >&2
    return 1
}
# Peak RSS (MB) of a running process.
peak_mb() { awk '/VmHWM/ { printf "%d", $2 / 1024 }' "/proc/$1/status"; }
# Every table of two results folders equal, row for row: text, dates and integers exactly,
# numbers to 1e-9 relative (on a cluster sums add up in another order).
same_results() {
    "$py" - "$1" "$2" <<'PY'
import glob, math, os, sys, duckdb
a, b = sys.argv[1], sys.argv[2]
con = duckdb.connect()
def rows(path):
    rs = con.execute(f"SELECT * FROM '{path}'").fetchall()
    key = lambda r: tuple((0, round(v, 3)) if isinstance(v, float) else (1, str(v)) for v in r)
    return sorted(rs, key=key)
def same(x, y):
    if isinstance(x, float) and isinstance(y, float):
        return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9) or (math.isnan(x) and math.isnan(y))
    return x == y
bad = []
for f in sorted(glob.glob(os.path.join(a, "*.parquet"))):
    g = os.path.join(b, os.path.basename(f))
    ok = os.path.exists(g)
    if ok:
        x, y = rows(f), rows(g)
        ok = len(x) == len(y) and all(
            len(r) == len(s) and all(same(u, v) for u, v in zip(r, s)) for r, s in zip(x, y)
        )
    if not ok:
        bad.append(os.path.basename(f))
if bad:
    print("differ:", ", ".join(bad), file=sys.stderr)
    sys.exit(1)
PY
}

# The cluster: a scheduler and two executors of two task slots each.
scheduler=$(free_port)
"$wecon" cluster scheduler --bind "127.0.0.1:$scheduler" >"$work/scheduler.log" 2>&1 &
pids+=($!)
wait_port "$scheduler"
executors=()
for i in 1 2; do
    flight=$(free_port) grpc=$(free_port)
    "$wecon" cluster executor --scheduler "127.0.0.1:$scheduler" --bind-host 127.0.0.1 \
        --port "$flight" --grpc-port "$grpc" --tasks 2 --work-dir "$work/executor-$i" \
        >"$work/executor-$i.log" 2>&1 &
    pids+=($!)
    executors+=($!)
    wait_port "$flight"
done

# The object store: moto's S3 server and a bucket.
s3port=$(free_port)
"$(dirname "$py")/moto_server" -H 127.0.0.1 -p "$s3port" >"$work/moto.log" 2>&1 &
pids+=($!)
wait_port "$s3port"
export AWS_ENDPOINT="http://127.0.0.1:$s3port" AWS_ALLOW_HTTP=true AWS_ACCESS_KEY_ID=testing \
    AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
"$py" -c "import boto3; boto3.client('s3', endpoint_url='$AWS_ENDPOINT').create_bucket(Bucket='wecon')"

{
    echo "Distributed runs, $(date -u +%Y-%m-%d), $(nproc) cores, one machine, release build, medians of $runs runs."
    echo
    echo "| people × weeks | activities | run | wall s | peak RSS MB (analyze) | peak RSS MB (executors) | time vs local | same results |"
    echo "|---|---:|---|---:|---:|---:|---:|---|"
} >"$results/distributed.md"

for people in $sizes; do
    ds="$data/ds-$people-$weeks"
    bench_dataset "$people" "$weeks" "$ds" >/dev/null
    ds=$(realpath "$ds")
    activities=$("$wecon" query "$ds" "select count(*) as n from activities" --format csv | tail -1)
    row() { echo "| $people × $weeks | $activities | $1 | $2 | $3 | $4 | $5 | $6 |" >>"$results/distributed.md"; }

    read -r ls lkb < <(measure "$wecon" analyze "$ds" --out "$work/local-$people")
    row "local (\`wecon analyze\`)" "$ls" "$((lkb / 1024))" "" "1.00×" ""

    read -r cs ckb < <(measure "$wecon" analyze "$ds" --out "$work/cluster-$people" \
        --cluster "df://127.0.0.1:$scheduler")
    emb=$(for e in "${executors[@]}"; do peak_mb "$e"; echo; done | paste -sd' ' | sed 's/ / and /')
    same=yes
    same_results "$work/local-$people" "$work/cluster-$people" || same=NO
    row "Ballista: scheduler + 2 executors (\`--cluster\`)" "$cs" "$((ckb / 1024))" "$emb" \
        "$(awk -v a="$cs" -v b="$ls" 'BEGIN { printf "%.2f×", a / b }')" "$same"

    "$py" - "$ds" "datasets/ds-$people" <<'EOF'
import os, sys, boto3
root, prefix = sys.argv[1], sys.argv[2]
s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT"])
for d, _, files in os.walk(root):
    for f in files:
        path = os.path.join(d, f)
        s3.upload_file(path, "wecon", prefix + "/" + os.path.relpath(path, root))
EOF
    read -r ss skb < <(measure "$wecon" analyze "s3://wecon/datasets/ds-$people" --out "$work/s3-$people")
    same=yes
    same_results "$work/local-$people" "$work/s3-$people" || same=NO
    row "object store (\`s3://\`, moto)" "$ss" "$((skb / 1024))" "" \
        "$(awk -v a="$ss" -v b="$ls" 'BEGIN { printf "%.2f×", a / b }')" "$same"
done
cat "$results/distributed.md"
