#!/usr/bin/env bash
# Builds the operator's image (deploy/Containerfile) on this machine, as root,
# with no container registry: its two bases are made from Debian's packages
# with mmdebstrap and imported into podman, then the Containerfile is built on
# them (docs/install.md, "Building the image").
#
#   bash scripts/image.sh          build the image of the sources as they are
#                                  (nothing to do when it exists already)
#   bash scripts/image.sh --name   print that image's name and build nothing
#
# The image is named after its sources: localhost/mgo/must-gather-operator:src-<hash>,
# the hash of every file of the build context (git's tracked and untracked,
# not ignored, files; deploy/Containerfile among them), and also tagged
# :latest. The directories .containerignore leaves out (tests, documents)
# are not part of it. The image test (tests/e2e/test_e2e_image.c) runs the
# image of the tree it is in, found by --name, so it never runs a stale one.
#
# The bases are cached as tarballs in $MGO_IMAGE_CACHE (default
# /var/cache/mgo-image), named after the hash of their package lists and of
# how they are made, and as podman images with the same tag: a second run
# builds neither. mmdebstrap takes the packages apt already downloaded
# (/var/cache/apt/archives) before fetching any.
#
# Exits 77 (the tests' "skipped") when not root: mmdebstrap and podman build
# run as root here.
set -euo pipefail
cd "$(dirname "$0")/.."

repo=localhost/mgo/must-gather-operator
cache=${MGO_IMAGE_CACHE:-/var/cache/mgo-image}
suite=bookworm
# runc: crun refuses these machines' hybrid cgroups. cgroupfs and a file
# for events: no systemd or journald to talk to.
podman=(podman --runtime runc --cgroup-manager cgroupfs --events-backend file)

# The build context: git's files (tracked, and untracked but not ignored)
# that exist, less what .containerignore names plainly (its /DIR/ and /FILE
# lines), as a tar stream whose bytes depend on their names, modes and
# contents only.
mapfile -t skipped < <(sed -n 's|^/\([^*]*\)$|\1|p' .containerignore)
context_tar() {
  git ls-files -z -co --exclude-standard |
    while IFS= read -r -d '' f; do
      for d in "${skipped[@]}"; do
        [[ $f == "$d" || ($d == */ && $f == "$d"*) ]] && continue 2
      done
      [[ -f $f && ! -L $f ]] && printf '%s\0' "$f"
    done |
    LC_ALL=C sort -z |
    tar --null -T - -c --owner=0 --group=0 --numeric-owner --mtime=@0 --format=gnu
}

# The image's name for a context tarball.
image_name() {
  echo "$repo:src-$(sha256sum <"$1" | cut -c1-16)"
}

if (($# > 1)) || [[ $# == 1 && $1 != --name ]]; then
  echo "usage: $0 [--name]" >&2
  exit 2
fi
if [[ $# == 0 && $(id -u) -ne 0 ]]; then
  echo "image: SKIP: mmdebstrap and podman build run as root here" >&2
  exit 77
fi

ctx=$(mktemp -d /tmp/mgo-image-context.XXXXXX)
trap 'rm -rf "$ctx"' EXIT
context_tar >"$ctx/context.tar"
name=$(image_name "$ctx/context.tar")
if [[ $# == 1 ]]; then
  echo "$name"
  exit 0
fi

# Installs podman, buildah, runc and mmdebstrap when missing, the way
# scripts/deps.sh installs the build's packages.
need=()
for p in podman buildah runc mmdebstrap; do
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ $st == "install ok installed" ]] || need+=("$p")
done
if ((${#need[@]})); then
  echo "image: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if "${podman[@]}" image exists "$name"; then
  echo "image: $name is up to date" >&2
  exit 0
fi

start=$SECONDS
mkdir -p "$cache"

# How the bases are made: minbase (Essential and apt), the packages without
# their recommendations (as scripts/deps.sh installs), no documentation, as
# in Debian's -slim images, and no fsync per file (Debian's own container
# images unpack so too). Part of each base's name: a change makes new ones.
mmdebstrap_opts=(
  --variant=minbase --format=tar --skip=essential/unlink --dpkgopt=force-unsafe-io
  --aptopt='APT::Install-Recommends "false"'
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*'
  --dpkgopt='path-exclude=/usr/share/info/*' --dpkgopt='path-exclude=/usr/share/locale/*'
)
# The packages apt already downloaded on this machine, hard-linked into the
# chroot's cache (copied across file systems) before apt fetches any.
host_debs='mkdir -p "$1/var/cache/apt/archives" && for d in /var/cache/apt/archives/*.deb; do [ -e "$d" ] || break; ln -f "$d" "$1/var/cache/apt/archives/" 2>/dev/null || cp "$d" "$1/var/cache/apt/archives/"; done'

# base_name NAME PACKAGE... : the name of the base with these packages,
# localhost/mgo/base-NAME:<hash of the packages and of how it is made>.
base_name() {
  local what=$1
  shift
  echo "localhost/mgo/base-$what:$(printf '%s\n' "$suite" "${mmdebstrap_opts[@]}" "$@" |
    sha256sum | cut -c1-16)"
}

# base NAME PACKAGE... : imports that base into podman, from the cached
# tarball or a new one.
base() {
  local what=$1 name tar
  name=$(base_name "$@")
  shift
  "${podman[@]}" image exists "$name" && return 0
  tar=$cache/base-$what-${name##*:}.tar
  if [[ ! -s $tar ]]; then
    echo "image: mmdebstrap $suite ($what base): $*" >&2
    nice mmdebstrap --quiet "${mmdebstrap_opts[@]}" --include="$(IFS=,; echo "$*")" \
      --setup-hook="$host_debs" "$suite" "$tar.part"
    mv "$tar.part" "$tar"
  fi
  "${podman[@]}" import --quiet \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/bash"]' "$tar" "$name" >/dev/null
  echo "image: imported $name ($((SECONDS - start))s)" >&2
}

# The runtime stage's packages, as deploy/Containerfile lists them.
mapfile -t runtime_pkgs < <(sed -n 's/^RUN set -- \([^\\&]*\).*/\1/p' deploy/Containerfile | tr ' ' '\n' | sed '/^$/d')
if ((${#runtime_pkgs[@]} == 0)); then
  echo "image: no 'RUN set -- PACKAGES' line in deploy/Containerfile's runtime stage" >&2
  exit 1
fi
mapfile -t build_pkgs < <(bash scripts/deps.sh --build-only --list)
# Both at once: each is mostly one process waiting on the mirror or the disk.
base runtime "${runtime_pkgs[@]}" &
runtime_job=$!
base build "${build_pkgs[@]}" &
build_job=$!
wait "$runtime_job"
wait "$build_job"
runtime_base=$(base_name runtime "${runtime_pkgs[@]}")
build_base=$(base_name build "${build_pkgs[@]}")
echo "image: bases ready ($((SECONDS - start))s)" >&2

# Build from a copy of exactly the hashed files, so the name says what is in it.
mkdir "$ctx/src"
tar -x -C "$ctx/src" -f "$ctx/context.tar"
# podman wants an explicit open-files limit, and may not raise it past this
# process's hard limit (no CAP_SYS_RESOURCE on these machines).
nofile=$(ulimit -Hn)
[[ $nofile == unlimited ]] && nofile=1048576
# No network: the bases hold every package, so the build cannot depend on a
# mirror (the Containerfile's runtime stage installs nothing when they are there).
nice "${podman[@]}" build --quiet --network none --pull=never \
  --ulimit nofile="$nofile:$nofile" \
  --build-arg BUILD_BASE="$build_base" --build-arg RUNTIME_BASE="$runtime_base" \
  --label org.opencontainers.image.source-hash="${name##*:src-}" \
  -f "$ctx/src/deploy/Containerfile" -t "$name" -t "$repo:latest" "$ctx/src" >/dev/null
echo "image: built $name ($((SECONDS - start))s)" >&2

# One image of each kind: the older ones, the build stage's (700 MB each)
# and bases made otherwise would fill the disk of a machine that builds
# every change. (The build stage's first layers go too: they take seconds.)
for img in $("${podman[@]}" images --format '{{.Repository}}:{{.Tag}}' \
               --filter reference='localhost/mgo/*'); do
  case $img in
    "$name" | "$repo:latest" | "$runtime_base" | "$build_base") ;;
    *) "${podman[@]}" rmi "$img" >/dev/null ;;
  esac
done
"${podman[@]}" image prune --force >/dev/null
find "$cache" -maxdepth 1 -name 'base-*.tar' ! -name "base-runtime-${runtime_base##*:}.tar" \
  ! -name "base-build-${build_base##*:}.tar" -delete
