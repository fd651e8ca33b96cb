#!/usr/bin/env bash
# Builds the wasm32-unknown-unknown host of the codec and client machine, then drives it from
# Node.js (run.mjs). Prints "N passed, M failed"; exits non-zero on any failure.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
target_dir=${WASM_HOST_TARGET_DIR:-$here/../../target/wasm-host}
cd "$here"
cargo build --release --target wasm32-unknown-unknown --target-dir "$target_dir" --quiet
wasm="$target_dir/wasm32-unknown-unknown/release/ftps_proto_wasm_host.wasm"
ls -l "$wasm" | awk '{print "wasm size: " $5 " bytes"}'
exec node "$here/run.mjs" "$wasm"
