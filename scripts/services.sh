#!/usr/bin/env bash
# Brings up the engines the store tests need, idempotently: an engine that
# already answers on its port is used as it is; otherwise it is installed
# (apt-get on Debian 12, or built into the cache outside the clone) and
# started without systemd. Each engine has one script in services/.
#
#   scripts/services.sh                 # every engine
#   scripts/services.sh postgres redis  # only services/NN-postgres.sh, NN-redis.sh
#
# Which module needs which engine is written in lib.sh (module_services).
set -euo pipefail
cd "$(dirname "$0")"

want=" $* "
for n in "$@"; do
	compgen -G "services/[0-9]*-$n.sh" >/dev/null || {
		echo "services.sh: no engine script services/NN-$n.sh" >&2
		exit 2
	}
done
for s in services/*.sh; do
	n=$(basename "$s" .sh)
	n=${n#*-}
	if [ $# -eq 0 ] || [[ $want == *" $n "* ]]; then
		bash "$s"
	fi
done
