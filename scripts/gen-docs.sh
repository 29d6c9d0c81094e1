#!/usr/bin/env bash
# Regenerates the checked-in shell completions and man pages from the CLI.
# The test suite fails when they are stale (tests/it/generated.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --bin srec
bin="${CARGO_TARGET_DIR:-target}/debug/srec"
mkdir -p completions man
"$bin" completions bash > completions/srec.bash
"$bin" completions zsh > completions/_srec
"$bin" completions fish > completions/srec.fish
"$bin" completions elvish > completions/srec.elv
"$bin" completions powershell > completions/_srec.ps1
rm -f man/*.1
"$bin" man --out-dir man
echo "completions/ and man/ regenerated"
