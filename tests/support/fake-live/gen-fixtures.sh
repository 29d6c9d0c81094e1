#!/usr/bin/env bash
# Regenerates the media fixtures that fake-live replays (checked in under fixtures/).
#
# Two variants of the same 4-second clip, each encoded ONCE and then remuxed
# (stream copy) into three containers, so all containers carry identical frames:
#   a: 320x180 @ 25 fps, H.264 main ~120 kb/s, AAC-LC mono 32 kHz 440 Hz tone
#   b: 480x270 @ 25 fps, H.264 main ~200 kb/s, AAC-LC mono 32 kHz 880 Hz tone
# Outputs per variant (fixtures/<v>/):
#   seg0.ts .. seg3.ts      MPEG-TS HLS segments, 1 s each (keyframe every 1 s)
#   init.mp4, seg0.m4s ..   fMP4 (CMAF-style) HLS init section + fragments
#   stream.flv              the whole clip as FLV
#
# Why these exact numbers: the server loops the clip forever and shifts
# timestamps by loop_count * 4 s.  That is only seamless if the clip is exactly
# periodic for BOTH streams: 100 video frames * 40 ms = 4 s and
# 125 AAC frames * 1024 samples / 32 kHz = 4 s.  The AAC encoder adds 1024
# samples of priming, so we feed it 125*1024 - 1024 = 126976 samples to get
# exactly 125 packets.  The script checks the packet counts and fails otherwise.
#
# Usage: tests/support/fake-live/gen-fixtures.sh   (needs ffmpeg + ffprobe)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/fixtures"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

ff=(ffmpeg -hide_banner -nostdin -loglevel error -y)

# make_variant NAME SIZE VIDEO_BITRATE TONE_HZ
make_variant() {
    local name="$1" size="$2" vbr="$3" tone="$4"
    local dir="$out/$name" master="$tmp/$name.mkv"
    rm -rf "$dir"
    mkdir -p "$dir"

    # 1. Encode once (deterministic: single thread, no timestamps in metadata).
    "${ff[@]}" \
        -f lavfi -i "testsrc2=size=${size}:rate=25:duration=4" \
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

    local n
    n=$(find "$dir" -name 'seg*.ts' | wc -l)
    if [[ "$n" != 4 ]]; then
        echo "variant $name: expected 4 TS segments, got $n" >&2
        exit 1
    fi
}

make_variant a 320x180 120k 440
make_variant b 480x270 200k 880

du -ab "$out" | sort -k2
