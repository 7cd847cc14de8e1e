#!/usr/bin/env bash
# Headless Chromium for tests/unit/test_report_browser.py (the backtest's HTML page rendered in a real browser).
# Installs the Debian package `chromium` when it is missing and we are root with apt-get; otherwise does nothing
# and says why (the test then skips outside CI, and fails in CI, where CI=true).
set -euo pipefail
for name in chromium chromium-browser google-chrome; do
    if command -v "$name" >/dev/null 2>&1; then
        echo "install-chromium: $name is already installed"
        exit 0
    fi
done
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "install-chromium: not root or no apt-get; install the 'chromium' package yourself to run the browser test"
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
echo "install-chromium: $(chromium --version 2>/dev/null || echo chromium installed)"
