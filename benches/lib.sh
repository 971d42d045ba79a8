# Shared by the benchmark scripts (sourced from the project root):
#   bench_setup          a scratch folder ($work, removed on exit), the release binary ($wecon)
#   bench_venv MODULE... the Python peer's virtualenv in target/bench-venv ($py), with the
#                        pip packages given after `--` installed when a module is missing
#   measure CMD...       runs CMD once to warm the page cache, then $runs times; prints
#                        "median_seconds max_peak_rss_kb"

bench_setup() {
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    cargo build --release --bin wecon --quiet
    wecon=target/release/wecon
}

bench_venv() {
    local modules=() packages=()
    while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do modules+=("$1"); shift; done
    [ "${1:-}" = "--" ] && shift
    packages=("$@")
    local venv=target/bench-venv
    local check="import $(IFS=,; echo "${modules[*]}")"
    if ! "$venv/bin/python" -c "$check" 2>/dev/null; then
        [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet "${packages[@]}"
    fi
    py="$venv/bin/python"
}

measure() {
    local times=() rss=0 s kb
    "$@" >/dev/null 2>&1 || true
    for _ in $(seq "$runs"); do
        /usr/bin/time -f "%e %M" -o "$work/t" "$@" >/dev/null 2>"$work/err" \
            || { cat "$work/err" >&2; return 1; }
        read -r s kb <"$work/t"
        times+=("$s")
        [ "$kb" -gt "$rss" ] && rss=$kb
    done
    printf '%s %s\n' "$(printf '%s\n' "${times[@]}" | sort -g | sed -n "$(((runs + 1) / 2))p")" "$rss"
}

# bench_dataset PEOPLE WEEKS DS: ingests a synthetic organisation of PEOPLE × WEEKS (mbox
# mail) into DS unless a dataset is there already, removing the exports after; when it made
# one it prints "exports_MB ingest_seconds ingest_peak_rss_kb".
bench_dataset() {
    local people="$1" weeks="$2" ds="$3" org="$work/org-$1" mb
    [ -f "$ds/manifest.json" ] && return 0
    "$wecon" synth --people "$people" --weeks "$weeks" --mail-format mbox --out "$org" >/dev/null 2>&1
    mb=$(du -sm "$org" | cut -f1)
    WECON_KEY=bench-key-0123456789abcdef /usr/bin/time -f "%e %M" -o "$work/ingest.t" \
        "$wecon" ingest "$org" --out "$ds" >/dev/null 2>&1
    rm -rf "$org"
    echo "$mb $(cat "$work/ingest.t")"
}
