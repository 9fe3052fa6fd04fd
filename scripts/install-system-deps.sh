#!/usr/bin/env bash
# Installs the Debian packages that Ferry's tests and benchmarks start themselves:
# redis-server, bird2, nginx, wrk, ffmpeg (`ferry content generate --media` encodes real
# video with it), chromium (headless browser tests drive hls.js and dash.js in it) and
# prometheus (its `promtool` checks deploy/prometheus, and a test scrapes control with it),
# iproute2, curl and systemd (the install test runs the units in a network namespace and
# verifies them with systemd-analyze).
# Idempotent: only missing packages are installed.
# The packages' own services are left stopped and disabled; tests start private instances.
set -euo pipefail

packages=(redis-server bird2 nginx wrk ffmpeg chromium prometheus iproute2 curl systemd)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "system packages present: ${packages[*]}"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "installing: ${missing[*]}"
# policy-rc.d 101 keeps Debian's maintainer scripts from starting the system services.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  created_policy=1
fi
trap '[ "$created_policy" = 1 ] && $SUDO rm -f "$policy"' EXIT
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
