#!/bin/sh
# Make sure graphviz's `dot` binary (which renders graphs to SVG) is installed: install the Debian
# package when we may (root, or sudo without a password), else say in one line how to.
command -v dot >/dev/null 2>&1 && exit 0
hint="graphviz's 'dot' is missing, so graphs will not render: install it with 'sudo apt-get install graphviz'"
if ! command -v apt-get >/dev/null 2>&1; then
    echo "$hint (or your system's graphviz package)"; exit 0
fi
if [ "$(id -u)" = 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo -n"
else
    echo "$hint"; exit 0
fi
echo "installing graphviz (for the dot binary)"
$sudo apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq graphviz >/dev/null \
    || echo "$hint"
