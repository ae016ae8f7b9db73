#!/bin/sh
# The browser tests drive Debian's chromium (never a downloaded browser): install it
# with apt-get when it is missing.
exec sh "$(dirname "$0")/../ensure-debian-package.sh" chromium "${CONTACTS_E2E_CHROMIUM:-/usr/bin/chromium}"
