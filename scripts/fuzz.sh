#!/usr/bin/env bash
# Fuzz one of srec's fuzz targets for N seconds (default 60).
#
#   scripts/fuzz.sh [TARGET] [SECONDS] [extra libFuzzer args...]
#
# TARGET: flv_parser (default; FLV parser + repair pipeline + writer),
# hls_playlist (m3u8 parsing + live playlist tracker + variant selection) or
# fmp4_rebase (fMP4 timeline rebaser: init parsing, moof/tfdt rewriting) or
# config (the config loader: TOML, serde, validation and bounds; an accepted
# config must render as TOML and read back identically), danmu_bilibili
# (Bilibili chat frames: headers, zlib/brotli nesting, commands, then the XML
# writer, whose output must parse), danmu_bilibili_gift_v2 (the protobuf of a
# SEND_GIFT_V2 gift broadcast, raw and wrapped twice in a command frame: each
# gift's tid written once), or danmu_twitch, danmu_douyu, danmu_huya (the chat
# codecs' decode on arbitrary frames).
# `scripts/fuzz.sh 120` still fuzzes flv_parser for 120 s.
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a nightly toolchain; with
# only stable installed it falls back to RUSTC_BOOTSTRAP=1. Seeds: a short
# ffmpeg-generated FLV when ffmpeg is available (flv_parser), a few live
# playlists written here (hls_playlist), the fake platform's fMP4 fixture
# (fmp4_rebase); else libFuzzer starts empty.
# Crashes land in fuzz/artifacts/TARGET/.
set -euo pipefail

target=flv_parser
case "${1:-}" in
    flv_parser | hls_playlist | fmp4_rebase | config | danmu_bilibili | danmu_bilibili_gift_v2 | danmu_twitch | danmu_douyu | danmu_huya) target="$1"; shift ;;
    '' | *[!0-9]*) [ -n "${1:-}" ] && { echo "unknown target: $1" >&2; exit 2; } ;;
esac
secs="${1:-60}"
shift || true
root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="$root/fuzz/corpus/$target"
mkdir -p "$corpus"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz is not installed: cargo install cargo-fuzz" >&2
    exit 2
fi

seed_flv() {
    command -v ffmpeg >/dev/null 2>&1 && [ ! -e "$corpus/seed-ffmpeg.flv" ] || return 0
    # Two header bytes (chunk size, reconnect point) precede the stream.
    tmp="$(mktemp -d)"
    ffmpeg -v error -f lavfi -i testsrc2=size=64x48:rate=10 -f lavfi -i sine=sample_rate=22050 \
        -t 1 -c:v libx264 -preset ultrafast -g 5 -pix_fmt yuv420p -c:a aac -b:a 16k \
        -f flv "$tmp/s.flv"
    { printf '\x04\xff'; cat "$tmp/s.flv"; } >"$corpus/seed-ffmpeg.flv"
    { printf '\x00\x02'; head -c 4000 "$tmp/s.flv"; cat "$tmp/s.flv"; } >"$corpus/seed-reconnect.flv"
    rm -rf "$tmp"
}

# One byte of mode, then playlist loads separated by 0xFF.
seed_hls() {
    [ -e "$corpus/seed-live" ] && return 0
    load() { # media sequence, first segment, count, extra tags before the first
        printf '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:%s\n%s' "$1" "$4"
        for ((i = $2; i < $2 + $3; i++)); do
            printf '#EXT-X-PROGRAM-DATE-TIME:2024-01-01T00:00:%02d.000Z\n#EXTINF:2.000,\n%s.ts?t=%s\n' \
                $((i * 2 % 60)) "$i" "$RANDOM"
        done
    }
    { printf '\x00'; load 3 3 4 ''; printf '\xff'; load 5 5 4 ''; printf '\xff'; load 0 9 4 ''; } \
        >"$corpus/seed-live"
    { printf '\x01'; load 7 7 3 '#EXT-X-KEY:METHOD=AES-128,URI="k",IV=0x01\n#EXT-X-DISCONTINUITY\n'
        printf '#EXT-X-ENDLIST\n'; } >"$corpus/seed-aes"
    { printf '\x02'; load 1 1 2 '#EXT-X-MAP:URI="init.mp4",BYTERANGE="100@0"\n#EXT-X-BYTERANGE:50@100\n'; } \
        >"$corpus/seed-fmp4"
    printf '\x00#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\nlow.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=2000000,RESOLUTION=1280x720\nhi.m3u8\n' \
        >"$corpus/seed-master"
}

# The shipped example configs and a few hostile values.
seed_config() {
    [ -e "$corpus/seed-example.toml" ] && return 0
    cp "$root/examples/config.toml" "$corpus/seed-example.toml"
    local i=0
    for f in "$root"/examples/setups/*.toml; do
        [ -e "$f" ] && cp "$f" "$corpus/seed-setup-$((i++)).toml"
    done
    printf '[recording]\ncheck_interval = "500000000000y"\n' >"$corpus/seed-huge"
    printf '[daemon]\nlog_level = "srec=debug,warn"\n[download]\nmax_concurrent = 99999999999999999999\n' \
        >"$corpus/seed-numbers"
}

# One plain Bilibili command packet per seed (16-byte header, ver 0, op 5).
seed_danmu() {
    [ -e "$corpus/seed-danmu" ] && return 0
    python3 - "$corpus" <<'PY'
import sys, struct, zlib
def pkt(ver, op, body):
    return struct.pack(">IHHII", 16 + len(body), 16, ver, op, 1) + body
dm = b'{"cmd":"DANMU_MSG","info":[[0,1,25,16777215,1700000000000],"hi <&>",[1,"u"]]}'
gift = b'{"cmd":"SEND_GIFT","data":{"giftName":"g","num":2,"uname":"u","uid":1,"price":100}}'
d = sys.argv[1]
open(d + "/seed-danmu", "wb").write(pkt(0, 5, dm) + pkt(0, 5, gift))
open(d + "/seed-zlib", "wb").write(pkt(2, 5, zlib.compress(pkt(0, 5, dm))))
open(d + "/seed-auth", "wb").write(pkt(0, 8, b'{"code":0}') + pkt(1, 3, b"\x00\x00\x00\x01"))
PY
}

# A SendGiftBroadcastProtobuf: sender, blind box, three gifts with tids.
seed_gift_v2() {
    [ -e "$corpus/seed-blind-box" ] && return 0
    python3 - "$corpus/seed-blind-box" <<'PY'
import sys
def varint(v):
    out = b""
    while v >= 0x80:
        out += bytes([(v & 0x7F) | 0x80]); v >>= 7
    return out + bytes([v])
def num(f, v): return varint(f << 3) + varint(v)
def ld(f, b):
    b = b.encode() if isinstance(b, str) else b
    return varint(f << 3 | 2) + varint(len(b)) + b
def item(i, name, tid):
    return num(1, i) + ld(2, name) + num(3, 1) + num(5, 100) + num(7, 100) + ld(8, "gold") + ld(9, tid) + num(10, 1767268812)
msg = num(1, 42) + ld(2, "viewer") + num(5, 3) + ld(9, num(1, 3) + num(2, 32251) + ld(3, "blind"))
msg += ld(10, item(1, "a", "t1")) + ld(10, item(2, "b", "t1")) + ld(10, item(3, "c", "")) + num(11, 1)
open(sys.argv[1], "wb").write(msg)
PY
}

# Two bytes of init length, one of chunk size, init section, fragments.
seed_fmp4() {
    [ -e "$corpus/seed-fixture" ] && return 0
    local fx="$root/tests/support/fake-live/fixtures/a"
    python3 - "$fx/init.mp4" "$fx/seg0.m4s" "$corpus/seed-fixture" <<'PY'
import sys
init, seg = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
open(sys.argv[3], "wb").write(len(init).to_bytes(2, "big") + b"\x07" + init + seg)
PY
}

case "$target" in
    flv_parser) seed_flv; max_len=262144 ;;
    fmp4_rebase) seed_fmp4; max_len=131072 ;;
    hls_playlist) seed_hls; max_len=65536 ;;
    config) seed_config; max_len=16384 ;;
    danmu_bilibili) seed_danmu; max_len=65536 ;;
    danmu_bilibili_gift_v2) seed_gift_v2; max_len=16384 ;;
    danmu_*) max_len=16384 ;;
esac

toolchain=()
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    toolchain=(+nightly)
else
    export RUSTC_BOOTSTRAP=1
fi

cd "$root"
exec cargo "${toolchain[@]}" fuzz run "$target" "$corpus" -- \
    -max_total_time="$secs" -max_len="$max_len" -rss_limit_mb=2048 "$@"
