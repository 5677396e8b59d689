#!/bin/sh
# Make sure Debian's `chromium` (which the browser tests drive through Playwright) is installed:
# install the package when we may (root, or sudo without a password), else say in one line how to.
# Playwright's own `playwright install` downloads a browser, which needs the internet: not used.
command -v chromium >/dev/null 2>&1 && exit 0
hint="chromium is missing, so the browser tests will fail: install it with 'sudo apt-get install chromium'"
if ! command -v apt-get >/dev/null 2>&1; then
    echo "$hint (or your system's chromium package)"; exit 0
fi
if [ "$(id -u)" = 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo -n"
else
    echo "$hint"; exit 0
fi
echo "installing chromium (for the browser tests)"
$sudo apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null \
    || echo "$hint"
