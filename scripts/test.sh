#!/usr/bin/env bash
# The one command that sets up and runs every check: installs the external
# tools the tests need when missing (ffmpeg and tmux via apt-get, streamlink via pip),
# then runs rustfmt, clippy (warnings are errors) and the full test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "warning: cannot run '$*' without root; tests needing it will be skipped" >&2; return 1
  fi
}

if ! command -v ffmpeg >/dev/null || ! command -v ffprobe >/dev/null; then
  echo "==> installing ffmpeg"
  as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg >/dev/null || true
fi
if ! command -v tmux >/dev/null; then
  echo "==> installing tmux (dashboard end-to-end test)"
  as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux >/dev/null || true
fi
if ! command -v streamlink >/dev/null; then
  echo "==> installing streamlink"
  python3 -m pip install --quiet --disable-pip-version-check streamlink || true
  command -v pyenv >/dev/null && pyenv rehash || true
fi
command -v ffmpeg >/dev/null && ffmpeg -hide_banner -version | head -n1
command -v streamlink >/dev/null && streamlink --version

echo "==> cargo fmt --check"
cargo fmt --all --check
echo "==> cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "==> cargo test"
cargo test --workspace --locked
