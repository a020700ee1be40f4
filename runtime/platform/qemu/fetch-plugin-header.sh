#!/usr/bin/env bash
# Fetch QEMU's plugin API header (qemu-plugin.h) from Debian's QEMU source package into
# deeploy's cache, where `deeploy run --target cortex-m4` finds it to build the
# instruction-counting plugin (insn_window.c). Debian ships the header in no binary
# package; it must match the installed QEMU's plugin API, hence the source package of
# the installed version.
#
# Needs no root and changes nothing outside the cache: apt runs on a private state folder
# (its own source list with deb-src entries derived from the system's, its own package
# lists and download cache, no lock on the system's), so /etc/apt and /var/lib/apt stay
# as they are. Needs apt-get and network access to the Debian archive the system uses.
set -euo pipefail
cache="${XDG_CACHE_HOME:-$HOME/.cache}/deeploy/qemu/include"
[ -f "$cache/qemu-plugin.h" ] && exit 0
command -v apt-get >/dev/null || { echo "fetch-plugin-header: needs apt-get (Debian/Ubuntu)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/sources" "$work/lists/partial" "$work/cache/archives/partial" "$work/src"

# deb-src twins of the system's deb entries (deb822 .sources files and one-line .list files)
for f in /etc/apt/sources.list.d/*.sources; do
    # binary entries only: a file that already lists sources would configure them twice
    if [ -f "$f" ] && grep -Eq '^Types:(.* )?deb( |$)' "$f"; then
        sed 's/^Types: .*$/Types: deb-src/' "$f" > "$work/sources/$(basename "$f")"
    fi
done
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] && sed -n 's/^deb \(.*\)$/deb-src \1/p' "$f" >> "$work/sources/system.list"
done

apt_private=(
    -o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$work/sources"
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache"
    -o "Debug::NoLocking=1" -o "APT::Sandbox::User=$(id -un)"
)
apt-get "${apt_private[@]}" -qq update >/dev/null
version="$(dpkg-query -W -f='${source:Version}' qemu-system-arm 2>/dev/null || true)"
cd "$work/src"
apt-get "${apt_private[@]}" source --download-only -qq "qemu${version:+=$version}" >/dev/null 2>&1 \
    || apt-get "${apt_private[@]}" source --download-only -qq qemu >/dev/null
tar -xJf qemu_*.orig.tar.xz --wildcards '*/include/qemu/qemu-plugin.h'
mkdir -p "$cache"
cp ./*/include/qemu/qemu-plugin.h "$cache/"
echo "qemu-plugin.h -> $cache/"
