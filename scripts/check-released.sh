#!/usr/bin/env bash
# Checks that every store as of the last release tag still builds, vets and
# passes its tests against the core as it is in this working tree. A user's
# build may select a newer core than a store was released with (Go's minimal
# version selection), and the stores use the core's internal packages, so
# those must keep what released stores need (see the README, Versioning).
#
#   scripts/check-released.sh                   # vet and test every store
#   scripts/check-released.sh boltstore ...     # only these stores
#   scripts/check-released.sh --vet-only        # build and vet only, no engines
#   scripts/check-released.sh --skip-unchanged  # leave out stores whose files
#                                               # equal the tag's (the module
#                                               # run of scripts/test.sh tests
#                                               # exactly those already)
#
# The last release tag is the newest core tag (vX.Y.Z) reachable from HEAD;
# without one there is nothing to check yet.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/lib.sh

core=github.com/seed3bbca6c1/scs
vet_only= skip_unchanged= only=()
for a in "$@"; do
	case $a in
	--vet-only) vet_only=1 ;;
	--skip-unchanged) skip_unchanged=1 ;;
	-*)
		echo "check-released.sh: unknown option $a" >&2
		exit 2
		;;
	*) only+=("$a") ;;
	esac
done

if ! tag=$(git describe --tags --abbrev=0 --match 'v[0-9]*' HEAD 2>/dev/null); then
	echo "check-released: no release tag reachable from HEAD, nothing to check"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git archive "$tag" | tar -x -C "$tmp"

modules=()
for m in $(published_modules "$tmp"); do
	[ "$m" = . ] && continue
	if [ ${#only[@]} -gt 0 ] && [[ " ${only[*]} " != *" $m "* ]]; then
		continue
	fi
	if [ -n "$skip_unchanged" ] && [ -d "$m" ] && git diff --quiet "$tag" -- "$m"; then
		echo "check-released: $m unchanged since $tag, tested by the module run"
		continue
	fi
	modules+=("$m")
done

if [ -z "$vet_only" ]; then
	mapfile -t services < <(for m in "${modules[@]}"; do module_services "$m"; done | tr ' ' '\n' | sed '/^$/d' | sort -u)
	if [ ${#services[@]} -gt 0 ]; then
		bash scripts/services.sh "${services[@]}"
	fi
fi

failed=()
for m in "${modules[@]}"; do
	echo "=== $m@$tag against the core of this tree"
	if ! (cd "$tmp/$m" && go mod edit -replace="$core=$root" && go vet ./... &&
		{ [ -n "$vet_only" ] || go test -race -count=1 ./...; }); then
		failed+=("$m")
	fi
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "check-released: stores of $tag that fail against this core: ${failed[*]}" >&2
	exit 1
fi
echo "check-released: ${#modules[@]} stores of $tag checked against this core"
