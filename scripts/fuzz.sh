#!/usr/bin/env bash
# Fuzz the FLV parser + repair pipeline + writer for N seconds (default 60).
#
#   scripts/fuzz.sh [SECONDS] [extra libFuzzer args...]
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a nightly toolchain; with
# only stable installed it falls back to RUSTC_BOOTSTRAP=1. Seeds: a short
# ffmpeg-generated FLV when ffmpeg is available, else libFuzzer starts empty.
# Crashes land in fuzz/artifacts/flv_parser/.
set -euo pipefail

secs="${1:-60}"
shift || true
root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="$root/fuzz/corpus/flv_parser"
mkdir -p "$corpus"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz is not installed: cargo install cargo-fuzz" >&2
    exit 2
fi

if command -v ffmpeg >/dev/null 2>&1 && [ ! -e "$corpus/seed-ffmpeg.flv" ]; then
    # Two header bytes (chunk size, reconnect point) precede the stream.
    tmp="$(mktemp -d)"
    ffmpeg -v error -f lavfi -i testsrc2=size=64x48:rate=10 -f lavfi -i sine=sample_rate=22050 \
        -t 1 -c:v libx264 -preset ultrafast -g 5 -pix_fmt yuv420p -c:a aac -b:a 16k \
        -f flv "$tmp/s.flv"
    { printf '\x04\xff'; cat "$tmp/s.flv"; } >"$corpus/seed-ffmpeg.flv"
    { printf '\x00\x02'; head -c 4000 "$tmp/s.flv"; cat "$tmp/s.flv"; } >"$corpus/seed-reconnect.flv"
    rm -rf "$tmp"
fi

toolchain=()
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    toolchain=(+nightly)
else
    export RUSTC_BOOTSTRAP=1
fi

cd "$root"
exec cargo "${toolchain[@]}" fuzz run flv_parser "$corpus" -- \
    -max_total_time="$secs" -max_len=262144 -rss_limit_mb=2048 "$@"
