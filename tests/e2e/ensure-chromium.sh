#!/bin/sh
# The browser tests drive Debian's chromium (never a downloaded browser): install it
# with apt-get when it is missing. Needs root; says so in one line when it cannot.
set -eu

chromium="${CONTACTS_E2E_CHROMIUM:-/usr/bin/chromium}"
[ -x "$chromium" ] && exit 0

fail() {
    echo "ensure-chromium: $chromium is missing and $1; install Debian's chromium package (apt-get install chromium) and run again" >&2
    exit 1
}
command -v apt-get >/dev/null 2>&1 || fail "apt-get is not available"
[ "$(id -u)" -eq 0 ] || fail "installing it needs root"

echo "ensure-chromium: installing Debian's chromium with apt-get" >&2
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; } >"$log" 2>&1; then
    tail -n 15 "$log" >&2
    fail "apt-get could not install it (output above)"
fi
[ -x "$chromium" ] || fail "the chromium package did not provide it"
