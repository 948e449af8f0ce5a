#!/usr/bin/env bash
# FerretDB (MongoDB wire protocol over embedded SQLite) on 127.0.0.1:27017 for
# mongodbstore. MongoDB itself is not packaged for Debian, so the FerretDB
# wrapper in tools/ferretdb is built once into the cache outside the clone
# and started in the background with a fresh data dir. Anything that already
# answers on 27017 (a real mongod, say) is used as it is.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

version=v1.24.2
addr=127.0.0.1:27017

if port_open 127.0.0.1 27017; then
	echo "ferretdb: something already answers on $addr, using it"
	exit 0
fi

root=$(cd "$(dirname "$0")/../.." && pwd)
cache=$(cache_dir)
bin="$cache/ferretdb-$version"
# The wrapper's sources are hashed beside the binary, so an edit rebuilds it.
src=$(cd "$root/tools/ferretdb" && cat go.mod go.sum ./*.go | sha256sum | cut -d' ' -f1)
if [ ! -x "$bin" ] || [ "$(cat "$bin.src" 2>/dev/null)" != "$src" ]; then
	echo "ferretdb: building $version into $bin (takes a few minutes the first time)"
	start=$SECONDS
	(cd "$root/tools/ferretdb" && CGO_ENABLED=0 go build -trimpath -o "$bin.tmp" .)
	mv "$bin.tmp" "$bin"
	echo "$src" >"$bin.src"
	echo "ferretdb: built in $((SECONDS - start))s"
fi

data="$cache/ferretdb-data"
log="$cache/ferretdb.log"
rm -rf "$data"
mkdir -p "$data"
setsid nohup "$bin" -addr "$addr" -data "$data" </dev/null >"$log" 2>&1 &
if ! wait_port 127.0.0.1 27017 60; then
	tail -20 "$log" >&2
	exit 1
fi
echo "ferretdb: $version (sqlite) on $addr, pid $!, log $log"
