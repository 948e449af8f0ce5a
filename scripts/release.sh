#!/usr/bin/env bash
# Releases every published module at one version, in lockstep, locally:
#
#   scripts/release.sh v0.3.0
#
# sets each published module's requirements on modules of this repository to
# the version, commits "release v0.3.0", and tags the core v0.3.0 and each
# other published module <folder>/v0.3.0 (Go's tag form for a module in a
# subfolder). It pushes nothing; it prints the push command. Modules that are
# never published (lib.sh: published) are left alone. It refuses a malformed
# version, a working tree with changes, or a tag that exists already.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/lib.sh

core=github.com/seed3bbca6c1/scs

die() {
	echo "release.sh: $*" >&2
	exit 1
}

[ $# -eq 1 ] || die "usage: scripts/release.sh VERSION (for example v0.3.0)"
version=$1
num='(0|[1-9][0-9]*)'
ident='[0-9A-Za-z-]+'
if ! [[ $version =~ ^v$num\.$num\.$num(-$ident(\.$ident)*)?$ ]]; then
	die "malformed version \"$version\": want vMAJOR.MINOR.PATCH[-PRERELEASE], for example v0.3.0"
fi
if [ "${BASH_REMATCH[1]}" -ge 2 ]; then
	die "version $version: major version 2 and up needs a /v${BASH_REMATCH[1]} module path first"
fi
[ -z "$(git status --porcelain)" ] || die "the working tree has uncommitted or untracked changes; commit or stash them first"

mapfile -t modules < <(published_modules)
tags=()
for m in "${modules[@]}"; do
	if [ "$m" = . ]; then tag=$version; else tag=$m/$version; fi
	git rev-parse -q --verify "refs/tags/$tag" >/dev/null && die "tag $tag already exists"
	tags+=("$tag")
done

# in_repo_requires GOMOD: the module paths of this repository that GOMOD
# requires, one a line.
in_repo_requires() {
	awk -v core="$core" '
		/^require[ \t]*\(/ { block = 1; next }
		block && /^\)/ { block = 0; next }
		block { path = $1 }
		/^require[ \t]+[^( \t]/ { path = $2 }
		path != "" { if (path == core || index(path, core "/") == 1) print path; path = "" }
	' "$1"
}

for m in "${modules[@]}"; do
	for p in $(in_repo_requires "$m/go.mod"); do
		(cd "$m" && go mod edit -require="$p@$version")
		git add "$m/go.mod"
	done
done
git commit -q --allow-empty -m "release $version"
for t in "${tags[@]}"; do
	git tag -a -m "release $version" "$t"
done

echo "release $version: committed $(git rev-parse --short HEAD), tagged ${#tags[@]} modules (${tags[0]} ... ${tags[${#tags[@]}-1]})"
echo "publish with: git push origin HEAD ${tags[*]}"
