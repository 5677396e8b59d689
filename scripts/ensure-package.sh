#!/bin/sh
# Make sure a command is installed: install its Debian package when we may (root, or sudo without
# a password), else say in one line how to. The make targets graphviz and chromium run it.
# Usage: sh scripts/ensure-package.sh COMMAND PACKAGE WHAT-FAILS-WITHOUT-IT
command -v "$1" >/dev/null 2>&1 && exit 0
hint="'$1' is missing, so $3: install it with 'sudo apt-get install $2'"
if ! command -v apt-get >/dev/null 2>&1; then
    echo "$hint (or your system's $2 package)"; exit 0
fi
if [ "$(id -u)" = 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo -n"
else
    echo "$hint"; exit 0
fi
echo "installing $2 (for the $1 command)"
$sudo apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$2" >/dev/null \
    || echo "$hint"
