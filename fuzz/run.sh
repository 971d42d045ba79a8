#!/usr/bin/env bash
# Fuzzes wecon's export readers with cargo-fuzz (libFuzzer), each target for a bounded time.
#
#   fuzz/run.sh                 # every target, 10 minutes each
#   fuzz/run.sh 60 mail chat    # the named targets, 60 seconds each
#
# Needs a nightly toolchain (rustup toolchain install nightly) and cargo-fuzz, which this
# script installs from crates.io when it is missing. Each target starts from seeds taken
# from ../shared/data, sample-data/ and tests/fixtures/bad/ (copied into
# target/fuzz-corpus/TARGET, which keeps what the fuzzer finds between runs). A crash is
# written to fuzz/artifacts/TARGET/; reproduce it with
#   cargo +nightly fuzz run --dev -s none TARGET fuzz/artifacts/TARGET/crash-...
# then fix it and add a regression test that reads the same bytes.
#
# Environment: FUZZ_SANITIZER (default none: panics, overflows and timeouts are what Rust
# code here can hit; `address` finds more in unsafe dependencies, slower), FUZZ_JOBS
# (parallel fuzzing processes per target, default 1).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-600}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(mail calendar chat audit transactions)
fi
sanitizer="${FUZZ_SANITIZER:-none}"
jobs="${FUZZ_JOBS:-1}"
data=../shared/data

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    echo "fuzz/run.sh needs a nightly toolchain: rustup toolchain install nightly" >&2
    exit 1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install --locked cargo-fuzz
fi

# Seeds: at most 1 MiB each. The chat and audit targets read their first byte as the kind
# of file, so each seed goes in once per kind.
seed() { # seed TARGET PREFIX FILE...
    local target=$1 prefix=$2
    shift 2
    local dir="target/fuzz-corpus/$target"
    mkdir -p "$dir"
    for f in "$@"; do
        [ -f "$f" ] || continue
        local name
        name="$(printf '%s' "$f" | sha1sum | cut -c1-16)-$prefix"
        if [ -n "$prefix" ]; then
            { printf "\\x$prefix"; head -c 1048576 "$f"; } >"$dir/$name"
        else
            head -c 1048576 "$f" >"$dir/$name"
        fi
    done
}
files() { # files DIR PATTERN...: regular files under DIR matching any pattern
    local dir=$1
    shift
    [ -d "$dir" ] || return 0
    local args=()
    for p in "$@"; do
        args+=(-o -name "$p")
    done
    find "$dir" -type f \( -false "${args[@]}" \) -size -1024k | sort | head -n 400
}

mapfile -t mail < <(
    files "$data/mimekit" '*.eml' '*.msg' '*.mbox' '*.txt'
    files "$data/notmuch-corpora" '*'
    files "$data/perceval-testdata/mbox" '*'
    files "$data/perceval-testdata/pipermail" '*'
    files "$data/ponymail-apache-mbox" '*.mbox'
    files sample-data/mail '*'
    files tests/fixtures/bad/mail '*'
    files tests/fixtures/bad/mbox '*'
)
mapfile -t calendar < <(
    files "$data/icalendar-py" '*.ics'
    files "$data/icaljs" '*.ics'
    files "$data/libical" '*.ics'
    files "$data/ical4j-samples" '*.ics'
    files sample-data/calendar '*.ics'
    files tests/fixtures/bad/calendar '*'
)
mapfile -t chat < <(
    files "$data/perceval-testdata/slack" '*.json'
    files "$data/perceval-testdata/mattermost" '*.json'
    files "$data/slack-houstondatavis" '*.json'
    files sample-data/chat '*.json'
    files tests/fixtures/bad/chat '*.json'
)
mapfile -t audit < <(
    files "$data/sekoia-intake-tests" '*.json' '*.ndjson' '*.csv'
    files sample-data/documents '*.json' '*.ndjson' '*.csv'
    files tests/fixtures/bad/logs '*.json'
)
mapfile -t transactions < <(
    files sample-data/transactions '*'
    files sample-data/documents '*.csv'
    files tests/fixtures/bad/logs '*.csv' '*.jsonocel'
)

for t in "${targets[@]}"; do
    case "$t" in
    mail) seed mail "" "${mail[@]}" ;;
    calendar) seed calendar "" "${calendar[@]}" ;;
    chat) for k in 00 01 02; do seed chat "$k" "${chat[@]}"; done ;;
    audit) for k in 00 01 02; do seed audit "$k" "${audit[@]}"; done ;;
    transactions) seed transactions "" "${transactions[@]}" ;;
    *)
        echo "unknown target: $t (mail, calendar, chat, audit, transactions)" >&2
        exit 1
        ;;
    esac
    echo "== $t: $(find "target/fuzz-corpus/$t" -type f | wc -l) inputs in the corpus, ${seconds}s"
    parallel=()
    if [ "$jobs" -gt 1 ]; then
        # libFuzzer then writes each job's output to fuzz-N.log in the current folder.
        parallel=(-jobs="$jobs" -workers="$jobs")
    fi
    cargo +nightly fuzz run --dev -s "$sanitizer" --fuzz-dir fuzz "$t" "target/fuzz-corpus/$t" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=1048576 -timeout=20 \
        -print_final_stats=1 "${parallel[@]}"
done
