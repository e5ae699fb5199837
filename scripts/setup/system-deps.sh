#!/usr/bin/env bash
# Installs the system packages the test suite needs, when missing. Safe to run repeatedly.
# Needs root for apt-get (CI and the dev machines run as root); otherwise prints what to run.
set -euo pipefail

need=()
# The suite needs: redis-server (message store), kannel and libnet-smpp-perl (interop peers), prometheus (promtool:
# the alerting rules' checks and unit tests).
for pkg in "$@"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != "0" ]; then
  echo "missing system packages: ${need[*]}" >&2
  echo "install them with: sudo apt-get update && sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "installing system packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
# Keep package daemons from starting on install: tests start their own private instances.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}"
