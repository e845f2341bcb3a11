#!/usr/bin/env bash
# Makes sure what the tests need is on this machine: Debian's Chromium for browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" > /dev/null
}

if { compgen -G "test/web/*.test.ts" || compgen -G "test/e2e/*.test.ts"; } > /dev/null && [ ! -x /usr/bin/chromium ]; then
  echo "installing Debian's chromium for the browser tests"
  apt_install chromium
fi
