#!/usr/bin/env bash
# Headless Chromium for the browser test of examples/webapp (chromedp drives
# it over the DevTools protocol). Not a server: the test starts its own
# browser; this only installs Debian's package when it is missing.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

if ! command -v chromium >/dev/null; then
	apt_install chromium
fi
echo "chromium: $(chromium --version 2>/dev/null | head -1)"
