# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Sourced by scripts/fetch-*.sh: a Debian package unpacked into a cache
# outside the repository with apt-get download + dpkg-deb -x, so nothing
# is installed and no maintainer script runs.
#   $cache                 $GUNYAH_CACHE, else gunyah-dkms in the XDG cache
#   fetch_deb ROOT PKG [CMD...]
#                          unless ROOT/.done: download PKG (NAME[:ARCH]) into
#                          $tmp, unpack it into an emptied ROOT, run CMD (which
#                          may deb_x more packages), then create ROOT/.done
#   deb_x PKG DIR          download PKG into $tmp and unpack it into DIR
# shellcheck disable=SC2034 # for the sourcing script
cache=${GUNYAH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gunyah-dkms}

deb_get() {
	(cd "$tmp" && apt-get download -q "$1" >&2)
}

deb_unpack() { # PKG DIR: the .deb of PKG, downloaded into $tmp
	dpkg-deb -x "$tmp/${1%%:*}"_*.deb "$2"
}

deb_x() {
	deb_get "$1"
	deb_unpack "$1" "$2"
}

fetch_deb() {
	local root=$1 pkg=$2
	shift 2
	[ ! -f "$root/.done" ] || return 0
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	chmod 0777 "$tmp"	# apt drops to _apt for the download
	deb_get "$pkg"
	rm -rf "$root"
	mkdir -p "$root"
	deb_unpack "$pkg" "$root"
	"$@"
	touch "$root/.done"
}
