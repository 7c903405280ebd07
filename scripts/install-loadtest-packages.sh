#!/usr/bin/env bash
# Installs, from Debian's packages, what `make loadtest` needs beyond the tests' packages: a
# Redis server, which the two instances share for their rate limits (the load test starts its
# own on loopback, holding nothing on disk). Does nothing when it is already there. Kept apart
# from install-system-packages.sh so that `make test` installs no Redis.
set -euo pipefail

command -v redis-server >/dev/null && exit 0
echo "Installing from Debian: redis-server"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends redis-server >/dev/null
