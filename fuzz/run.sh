#!/usr/bin/env bash
# Runs one fuzz target for a bounded time, starting from the committed seeds.
#
#   fuzz/run.sh TARGET SECONDS
#
# Copies fuzz/seeds/TARGET/* into fuzz/corpus/TARGET/ (ignored by git, kept between runs so
# the corpus grows) and runs `cargo fuzz run -s none -a` (no sanitizer: works on the stable
# toolchain; -a keeps debug assertions on, so the state machines' contract checks run too; the
# targets' own assertions and Rust's bounds checks are the oracle). Crashes land
# in fuzz/artifacts/TARGET/; the script exits non-zero when the target fails.
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: $0 TARGET SECONDS" >&2
    exit 2
fi
target=$1
seconds=$2
if ! [[ $seconds =~ ^[0-9]+$ ]]; then
    echo "SECONDS must be a whole number, got '$seconds'" >&2
    exit 2
fi

fuzz_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$fuzz_dir")
cd "$repo"

if ! grep -q "^name = \"$target\"$" "$fuzz_dir/Cargo.toml"; then
    echo "unknown fuzz target '$target'; known:" >&2
    sed -n 's/^name = "\(.*\)"$/  \1/p' "$fuzz_dir/Cargo.toml" | grep -v ftps-proto-fuzz >&2
    exit 2
fi

corpus="$fuzz_dir/corpus/$target"
mkdir -p "$corpus"
if [[ -d "$fuzz_dir/seeds/$target" ]]; then
    cp -n "$fuzz_dir/seeds/$target/"* "$corpus/" 2>/dev/null || true
fi

# -max_len keeps inputs near control-line size (several lines, some overlong); -rss_limit_mb
# turns a leak or an unbounded buffer into a failure.
exec cargo fuzz run -s none -a "$target" "$corpus" -- \
    -max_total_time="$seconds" -max_len=4096 -rss_limit_mb=1024 -print_final_stats=1
