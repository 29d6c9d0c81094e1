#!/usr/bin/env bash
# Regenerates the media fixtures that fake-live replays (checked in under fixtures/),
# or generates a custom set (other sizes/bitrates) into another directory.
#
# Usage: gen-fixtures.sh [--out DIR] [--a WxH:RATE] [--b WxH:RATE] [--noise N]
#        gen-fixtures.sh --help
#
#   --out DIR       where to write DIR/a/ and DIR/b/ (default: fixtures/ next to
#                   this script, i.e. the checked-in set). Only DIR/a and DIR/b
#                   are replaced; anything else in DIR is left alone.
#   --a WxH:RATE    size and H.264 video bitrate of variant a (default 320x180:120k)
#   --b WxH:RATE    the same for variant b                    (default 480x270:200k)
#                   WxH must be even; RATE is an ffmpeg bitrate like 800k, 6000k, 3M.
#   --noise N       strength (1-100) of temporal noise added over testsrc2 so the
#                   encoder cannot compress the clip below RATE: a flat test
#                   pattern would otherwise come out far under a realistic
#                   bitrate. 0 = no noise. Default: 0 when neither --a nor --b is
#                   given (the checked-in set), 25 otherwise.
#
# With no arguments the script regenerates the checked-in fixtures byte for
# byte (same ffmpeg version). Example, an HD set for benchmarks, outside the repo:
#   gen-fixtures.sh --out /tmp/hd --a 1280x720:3000k --b 1920x1080:6000k
#   cargo run --example fake_live -- --fixtures /tmp/hd --rooms a,b
#
# Two variants of the same 4-second clip, each encoded ONCE and then remuxed
# (stream copy) into three containers, so all containers carry identical frames
# (defaults shown):
#   a: 320x180 @ 25 fps, H.264 main ~120 kb/s, AAC-LC mono 32 kHz 440 Hz tone
#   b: 480x270 @ 25 fps, H.264 main ~200 kb/s, AAC-LC mono 32 kHz 880 Hz tone
# Outputs per variant (<out>/<v>/):
#   seg0.ts .. seg3.ts      MPEG-TS HLS segments, 1 s each (keyframe every 1 s)
#   init.mp4, seg0.m4s ..   fMP4 (CMAF-style) HLS init section + fragments
#   stream.flv              the whole clip as FLV
# At the end it prints the file sizes and the measured bitrate of each variant.
#
# Why these exact numbers: the server loops the clip forever and shifts
# timestamps by loop_count * 4 s.  That is only seamless if the clip is exactly
# periodic for BOTH streams: 100 video frames * 40 ms = 4 s and
# 125 AAC frames * 1024 samples / 32 kHz = 4 s.  The AAC encoder adds 1024
# samples of priming, so we feed it 125*1024 - 1024 = 126976 samples to get
# exactly 125 packets.  The script checks the packet counts, the keyframe
# positions and the segment counts, and fails otherwise.
#
# Needs ffmpeg + ffprobe (with libx264).
set -euo pipefail

usage() {
    sed -n '2,/^set -euo/{/^set /d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}
die() {
    echo "gen-fixtures.sh: $*" >&2
    exit 2
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/fixtures"
spec_a="320x180:120k"
spec_b="480x270:200k"
noise=""
custom=0

while (($#)); do
    case "$1" in
        -h | --help)
            usage
            exit 0
            ;;
        --out | --a | --b | --noise)
            (($# >= 2)) || die "$1 needs a value (see --help)"
            case "$1" in
                --out) out="$2" ;;
                --a) spec_a="$2" custom=1 ;;
                --b) spec_b="$2" custom=1 ;;
                --noise) noise="$2" ;;
            esac
            shift 2
            ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done

if [[ -z "$noise" ]]; then
    if ((custom)); then noise=25; else noise=0; fi
fi
[[ "$noise" =~ ^[0-9]+$ ]] && ((noise <= 100)) || die "--noise must be 0..100, got '$noise'"

# parse_spec SPEC: sets spec_size (WxH) and spec_rate, or dies.
parse_spec() {
    local spec="$1"
    [[ "$spec" =~ ^([0-9]+)x([0-9]+):([0-9]+(\.[0-9]+)?[kKM]?)$ ]] ||
        die "bad variant '$spec': want WxH:RATE, e.g. 1280x720:3000k"
    local w="${BASH_REMATCH[1]}" h="${BASH_REMATCH[2]}"
    spec_rate="${BASH_REMATCH[3]}"
    ((w >= 16 && h >= 16 && w % 2 == 0 && h % 2 == 0)) ||
        die "bad size in '$spec': width and height must be even and at least 16"
    spec_size="${w}x${h}"
}
parse_spec "$spec_a"
a_size="$spec_size" a_rate="$spec_rate"
parse_spec "$spec_b"
b_size="$spec_size" b_rate="$spec_rate"

mkdir -p "$out"
out="$(cd "$out" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

ff=(ffmpeg -hide_banner -nostdin -loglevel error -y)

# Noise is deterministic (fixed default seed), so custom sets are reproducible too.
video_src() {
    local size="$1"
    if ((noise > 0)); then
        echo "testsrc2=size=${size}:rate=25:duration=4,noise=alls=${noise}:allf=t+u"
    else
        echo "testsrc2=size=${size}:rate=25:duration=4"
    fi
}

# make_variant NAME SIZE VIDEO_BITRATE TONE_HZ
make_variant() {
    local name="$1" size="$2" vbr="$3" tone="$4"
    local dir="$out/$name" master="$tmp/$name.mkv"
    rm -rf "$dir"
    mkdir -p "$dir"

    # 1. Encode once (deterministic: single thread, no timestamps in metadata).
    "${ff[@]}" \
        -f lavfi -i "$(video_src "$size")" \
        -f lavfi -i "sine=frequency=${tone}:sample_rate=32000,atrim=end_sample=126976" \
        -map 0:v -map 1:a \
        -c:v libx264 -preset veryfast -profile:v main -pix_fmt yuv420p -threads 1 \
        -g 25 -keyint_min 25 -sc_threshold 0 \
        -b:v "$vbr" -maxrate "$vbr" -bufsize "$vbr" \
        -c:a aac -b:a 32k -ac 1 \
        -fflags +bitexact -flags:v +bitexact -flags:a +bitexact \
        "$master"

    local v a
    v=$(ffprobe -v error -select_streams v -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$master")
    a=$(ffprobe -v error -select_streams a -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$master")
    if [[ "$v" != 100 || "$a" != 125 ]]; then
        echo "variant $name: expected 100 video / 125 audio packets, got $v / $a" >&2
        exit 1
    fi
    # A keyframe starts each second (packet 0, 25, 50, 75) and nowhere else.
    local keys
    keys=$(ffprobe -v error -select_streams v -show_entries packet=flags -of csv=p=0 "$master" |
        awk '/K/ { printf "%s%d", sep, NR - 1; sep = " " }')
    if [[ "$keys" != "0 25 50 75" ]]; then
        echo "variant $name: expected keyframes at video packets 0 25 50 75, got: $keys" >&2
        exit 1
    fi

    # 2a. MPEG-TS HLS segments (1 s target; every keyframe starts a segment).
    "${ff[@]}" -i "$master" -c copy -fflags +bitexact \
        -f hls -hls_time 1 -hls_list_size 0 \
        -hls_segment_filename "$dir/seg%d.ts" "$tmp/$name-ts.m3u8"

    # 2b. fMP4 HLS: init section + one fragment per second.
    "${ff[@]}" -i "$master" -c copy -fflags +bitexact \
        -f hls -hls_time 1 -hls_list_size 0 -hls_segment_type fmp4 \
        -hls_fmp4_init_filename init.mp4 \
        -hls_segment_filename "$dir/seg%d.m4s" "$dir/fmp4.m3u8"
    rm -f "$dir/fmp4.m3u8"

    # 2c. FLV of the whole clip.
    "${ff[@]}" -i "$master" -c copy -fflags +bitexact -f flv "$dir/stream.flv"

    local n m
    n=$(find "$dir" -name 'seg*.ts' | wc -l)
    m=$(find "$dir" -name 'seg*.m4s' | wc -l)
    if [[ "$n" != 4 || "$m" != 4 ]]; then
        echo "variant $name: expected 4 TS and 4 fMP4 segments, got $n / $m" >&2
        exit 1
    fi

    # 3. Measured bitrates over the 4-second clip.
    local video_bytes ts_bytes
    video_bytes=$(ffprobe -v error -select_streams v -show_entries packet=size -of csv=p=0 "$master" |
        awk '{ s += $1 } END { print s }')
    ts_bytes=$(cat "$dir"/seg*.ts | wc -c)
    summary+=("$(printf '%s: %-9s target video %6s -> measured video %5d kb/s, TS stream %5d kb/s, %s bytes on disk' \
        "$name" "$size" "$vbr" $((video_bytes * 8 / 4000)) $((ts_bytes * 8 / 4000)) \
        "$(du -cb "$dir"/* | tail -1 | cut -f1)")")
}

summary=()
make_variant a "$a_size" "$a_rate" 440
make_variant b "$b_size" "$b_rate" 880

du -ab "$out/a" "$out/b" | sort -k2
echo
echo "noise: $noise"
printf '%s\n' "${summary[@]}"
echo "total: $(du -cb "$out"/a/* "$out"/b/* | tail -1 | cut -f1) bytes in $out/{a,b}"
