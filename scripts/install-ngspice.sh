#!/usr/bin/env bash
# Install ngspice (Debian package) when it is missing: the SPICE export cross-checks run against it.
# Used by `make test`; needs root or sudo. Prints what to do when neither is available.
set -euo pipefail
if command -v ngspice >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "ngspice is missing and this user cannot install packages; run 'apt-get install ngspice' as root." >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ngspice is missing and apt-get is not available; install ngspice with your package manager." >&2
    exit 1
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq ngspice
ngspice --version | head -n 2
