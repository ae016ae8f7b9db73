#!/bin/sh
# The Redis store's tests start Debian's redis-server (never a fake, never a download):
# install it with apt-get when it is missing. Needs root; says so in one line when it cannot.
set -eu

server="${CONTACTS_TEST_REDIS_SERVER:-/usr/bin/redis-server}"
[ -x "$server" ] && exit 0

fail() {
    echo "ensure-redis-server: $server is missing and $1; install Debian's redis-server package (apt-get install redis-server) and run again" >&2
    exit 1
}
command -v apt-get >/dev/null 2>&1 || fail "apt-get is not available"
[ "$(id -u)" -eq 0 ] || fail "installing it needs root"

echo "ensure-redis-server: installing Debian's redis-server with apt-get" >&2
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# The package's own service is not wanted: each test session starts its own server.
if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends redis-server; } >"$log" 2>&1; then
    tail -n 15 "$log" >&2
    fail "apt-get could not install it (output above)"
fi
[ -x "$server" ] || fail "the redis-server package did not provide it"
