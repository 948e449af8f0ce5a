#!/usr/bin/env bash
# Brings up every engine the store tests need, idempotently: an engine that
# already answers on its port is used as it is; otherwise it is installed
# (apt-get on Debian 12, or built into the cache outside the clone) and
# started without systemd. Each engine has one script in services/.
set -euo pipefail
cd "$(dirname "$0")"
for s in services/*.sh; do
	bash "$s"
done
