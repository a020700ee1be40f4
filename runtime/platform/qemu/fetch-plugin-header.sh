#!/usr/bin/env bash
# Fetch QEMU's plugin API header (qemu-plugin.h) from Debian's QEMU source package into
# deeploy's cache, where `deeploy run --target cortex-m4` finds it to build the
# instruction-counting plugin (insn_window.c). Debian ships the header in no binary
# package; it must match the installed QEMU's plugin API, hence the source package of
# the installed version. Needs apt's deb-src entries (added here if missing) and root.
set -euo pipefail
cache="${XDG_CACHE_HOME:-$HOME/.cache}/deeploy/qemu/include"
[ -f "$cache/qemu-plugin.h" ] && exit 0
if ! apt-cache showsrc qemu >/dev/null 2>&1 || [ -z "$(apt-cache showsrc qemu 2>/dev/null)" ]; then
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
            > /etc/apt/sources.list.d/deeploy-deb-src.sources
    else
        sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > /etc/apt/sources.list.d/deeploy-deb-src.list
    fi
    apt-get update -qq
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
version="$(dpkg-query -W -f='${source:Version}' qemu-system-arm 2>/dev/null || true)"
cd "$work"
apt-get source --download-only -qq "qemu${version:+=$version}" >/dev/null 2>&1 \
    || apt-get source --download-only -qq qemu >/dev/null
tar -xJf qemu_*.orig.tar.xz --wildcards '*/include/qemu/qemu-plugin.h'
mkdir -p "$cache"
cp ./*/include/qemu/qemu-plugin.h "$cache/"
echo "qemu-plugin.h -> $cache/"
