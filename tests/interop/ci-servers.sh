#!/usr/bin/env bash
# One entry point for CI (as root, on a possibly fresh Debian 12): install and configure the
# interop servers, start them, prove them with curl, and stop them again whatever happens.
# Exit status: that of check-servers-with-curl.sh (0 = every check passed or is a recorded,
# still-reproduced known incompatibility).
#
# Extra arguments are run, with the servers up, as one more command before they stop, e.g.
#   ci-servers.sh cargo test --features interop
# and its exit status then counts too.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

bash "$HERE/setup-servers.sh" || exit 1
trap 'bash "$HERE/servers.sh" stop >/dev/null 2>&1' EXIT
bash "$HERE/servers.sh" start || exit 1
rc=0
bash "$HERE/check-servers-with-curl.sh" || rc=1
if [ "$#" -gt 0 ]; then
    # shellcheck source=env.sh
    . "$HERE/env.sh"
    "$@" || rc=1
fi
exit "$rc"
