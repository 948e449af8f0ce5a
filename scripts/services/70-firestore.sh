#!/usr/bin/env bash
# Firestore emulator on 127.0.0.1:8686, in memory, nothing kept on disk.
#
# Google's Cloud Firestore emulator when it is installed (Debian package
# google-cloud-cli-firestore-emulator, part of this project's machine image;
# it needs java), otherwise the Node emulator of tools/firestore-emulator
# (npm package @firestore-emulator/server, installed there with npm ci).
# SCS_FIRESTORE_EMULATOR=google or =node picks one.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

host=127.0.0.1 port=8686
root=$(cd "$(dirname "$0")/../.." && pwd)
google=/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud_firestore_emulator
log=$(cache_dir)/firestore-emulator.log

if port_open "$host" "$port"; then
	echo "firestore: an emulator already answers on $host:$port"
	exit 0
fi

kind=${SCS_FIRESTORE_EMULATOR:-}
if [ -z "$kind" ]; then
	if [ -x "$google" ] && command -v java >/dev/null; then kind=google; else kind=node; fi
fi

case $kind in
google)
	version=$(grep -o '"version_string": *"[^"]*"' /usr/lib/google-cloud-sdk/.install/cloud-firestore-emulator.snapshot.json 2>/dev/null |
		head -1 | cut -d'"' -f4) || true
	nohup "$google" start --host="$host" --port="$port" >"$log" 2>&1 </dev/null &
	;;
node)
	dir=$root/tools/firestore-emulator
	# npm ci when node_modules is missing or older than the lock file.
	if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
		(cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
	fi
	version="@firestore-emulator/server $(cd "$dir" && node -p 'require("@firestore-emulator/server/package.json").version')"
	nohup node "$dir/server.js" "$host:$port" >"$log" 2>&1 </dev/null &
	;;
*)
	echo "firestore: SCS_FIRESTORE_EMULATOR=$kind: want google or node" >&2
	exit 2
	;;
esac

if ! wait_port "$host" "$port" 60; then
	tail -20 "$log" >&2
	exit 1
fi
echo "firestore: $kind emulator ${version:-} on $host:$port (log: $log)"
