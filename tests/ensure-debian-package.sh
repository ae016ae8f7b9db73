#!/bin/sh
# usage: ensure-debian-package.sh PACKAGE PATH
# Tests drive real programs from Debian's packages (never a download, never a fake):
# install PACKAGE with apt-get when PATH is missing. Needs root; says so in one line
# when it cannot.
set -eu

package="$1"
path="$2"
[ -x "$path" ] && exit 0

fail() {
    echo "ensure-debian-package: $path is missing and $1; install Debian's $package package (apt-get install $package) and run again" >&2
    exit 1
}
command -v apt-get >/dev/null 2>&1 || fail "apt-get is not available"
[ "$(id -u)" -eq 0 ] || fail "installing it needs root"

echo "ensure-debian-package: installing Debian's $package with apt-get" >&2
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$package"; } >"$log" 2>&1; then
    tail -n 15 "$log" >&2
    fail "apt-get could not install it (output above)"
fi
[ -x "$path" ] || fail "the $package package did not provide it"
