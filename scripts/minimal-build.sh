#!/usr/bin/env bash
# Builds a clean clone of this repository with -DBUILD_TESTING=OFF in a fresh
# Debian bookworm root that holds only the compiler, CMake, pkg-config and the
# development packages of the operator's runtime libraries: no Criterion, no
# libmicrohttpd, no valgrind, no clang. Shows that a packager needs nothing
# the tests use (docs/hacking.md, "Building and testing").
#
#   bash scripts/minimal-build.sh [COMMIT]      (as root; needs Debian's mirror)
#
# Not part of scripts/test.sh: it downloads a few hundred MB and takes minutes.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
commit=${1:-HEAD}
# build-essential, cmake, pkg-config, the runtime libraries' -dev packages
# and uthash-dev (header-only): scripts/deps.sh's list for the programs alone
mapfile -t pkgs < <(bash "$src/scripts/deps.sh" --build-only --list)

if [[ $(id -u) -ne 0 ]]; then
  echo "minimal-build: run as root (mmdebstrap and chroot)" >&2
  exit 1
fi
command -v mmdebstrap >/dev/null || {
  echo "minimal-build: installing mmdebstrap" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null
}

root=$(mktemp -d /tmp/mgo-minimal-XXXXXX)
trap 'rm -rf "$root"' EXIT

include=$(IFS=,; echo "${pkgs[*]}")
mmdebstrap --quiet --variant=apt --include="$include" bookworm "$root"
git -C "$src" archive --prefix=src/ "$commit" | tar -x -C "$root"

# what the root has of the test tools: nothing
if chroot "$root" dpkg-query -W -f='${Package}\n' | grep -E 'criterion|microhttpd|valgrind|clang'; then
  echo "minimal-build: the root has a test tool installed" >&2
  exit 1
fi
chroot "$root" sh -ec '
  cd /src
  cmake -S . -B build -DBUILD_TESTING=OFF -DMGO_WERROR=ON >/dev/null
  cmake --build build -j"$(nproc)" >/dev/null
  cmake --install build --prefix /opt/mgo --component operator >/dev/null
  cmake --install build --prefix /opt/mgo --component mgoctl >/dev/null
  ls /opt/mgo/bin
'
echo "minimal-build: $(git -C "$src" rev-parse --short "$commit") builds with -DBUILD_TESTING=OFF and only: ${pkgs[*]}"
