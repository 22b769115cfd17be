#!/usr/bin/env bash
# deps.sh - install the Debian packages cipred needs to build, test and run
# its demo; only the missing ones, with apt-get update first when needed.
set -euo pipefail

PKGS=(
	make gcc                          # build
	postgresql-15                     # the server (pg_virtualenv, pg_regress)
	postgresql-common                 # pg_virtualenv
	postgresql-server-dev-15          # PGXS and server headers
	libopenblas-dev liblapacke-dev    # numerics
	postgresql-15-cron                # pipelines scheduled by pg_cron (tests)
)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "cipred: missing Debian packages: ${missing[*]}" >&2
	echo "cipred: run as root (or: sudo apt-get install ${missing[*]})" >&2
	exit 1
fi
echo "cipred: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
