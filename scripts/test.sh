#!/usr/bin/env bash
# The one command that sets up and runs every check: installs the external
# tools the tests need when missing (ffmpeg, tmux and rclone via apt-get, streamlink and
# biliass (the chat XML compatibility test's third-party reader) via pip),
# then runs rustfmt, clippy (warnings are errors) and the full test suite.
# In CI (CI set) or with SREC_REQUIRE_TOOLS=1, a failed install fails this
# script and every test that needs a missing tool fails instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${CI:-}" ]; then export SREC_REQUIRE_TOOLS=1; fi
require="${SREC_REQUIRE_TOOLS:-0}"
# A failed install is fatal when tools are required, a warning otherwise.
installed() {
  if [ "$require" = 1 ]; then
    echo "error: could not install $1, and SREC_REQUIRE_TOOLS=1 requires it" >&2; exit 1
  fi
  echo "warning: could not install $1; tests needing it will be skipped" >&2
}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "warning: cannot run '$*' without root; tests needing it will be skipped" >&2; return 1
  fi
}

if ! command -v ffmpeg >/dev/null || ! command -v ffprobe >/dev/null; then
  echo "==> installing ffmpeg"
  { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg >/dev/null; } || installed ffmpeg
fi
if ! command -v tmux >/dev/null; then
  echo "==> installing tmux (dashboard end-to-end test)"
  { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux >/dev/null; } || installed tmux
fi
if ! command -v rclone >/dev/null; then
  echo "==> installing rclone (pipeline upload test)"
  { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rclone >/dev/null; } || installed rclone
fi
if ! command -v streamlink >/dev/null; then
  echo "==> installing streamlink"
  python3 -m pip install --quiet --disable-pip-version-check streamlink || installed streamlink
  command -v pyenv >/dev/null && pyenv rehash || true
fi
if ! command -v biliass >/dev/null; then
  echo "==> installing biliass (chat XML read by a third-party converter)"
  python3 -m pip install --quiet --disable-pip-version-check biliass || installed biliass
  command -v pyenv >/dev/null && pyenv rehash || true
fi
for tool in ffmpeg ffprobe tmux streamlink rclone biliass; do
  command -v "$tool" >/dev/null || installed "$tool"
done
command -v ffmpeg >/dev/null && ffmpeg -hide_banner -version | head -n1
command -v streamlink >/dev/null && streamlink --version
echo "SREC_REQUIRE_TOOLS=$require"

echo "==> cargo fmt --check"
cargo fmt --all --check
echo "==> cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "==> cargo test"
cargo test --workspace --locked
