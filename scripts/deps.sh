#!/usr/bin/env bash
# Installs what the build, the tests and the demo need from Debian's packages.
# Idempotent and quiet when everything is present; prints what it installs otherwise.
set -euo pipefail

# The programs alone (cmake -DBUILD_TESTING=OFF, as deploy/Containerfile
# builds them)...
build_pkgs=(
  build-essential cmake pkg-config
  libzmq3-dev libmsgpack-dev libyaml-dev libcurl4-openssl-dev libjansson-dev
  libseccomp-dev libgnutls28-dev uthash-dev
)
# ...and the tests, the sanitizer and fuzz builds, valgrind and the demo.
test_pkgs=(
  clang libclang-rt-14-dev valgrind libmicrohttpd-dev libcriterion-dev
  openssh-server openssh-sftp-server openssh-client python3-kubernetes
)

# --build-only: the first list alone; --list: print the packages, install nothing
# (scripts/image.sh builds the image's build base from it).
pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}")
list=0 build_only=0
for arg in "$@"; do
  case $arg in
    --build-only) pkgs=("${build_pkgs[@]}") build_only=1 ;;
    --list) list=1 ;;
    *) echo "usage: $0 [--build-only] [--list]" >&2; exit 2 ;;
  esac
done
if ((list)); then
  printf '%s\n' "${pkgs[@]}"
  exit 0
fi

missing=()
for p in "${pkgs[@]}"; do
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ $st == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}" >&2
  if [[ $(id -u) -ne 0 ]]; then
    echo "deps: need root to apt-get install the packages above" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# kubectl is not taken from Debian (its kubernetes-client conflicts with the
# preinstalled one); the tests that drive kubectl say so and skip without it.
if ((!build_only)) && ! command -v kubectl >/dev/null 2>&1; then
  echo "deps: WARNING: kubectl not on PATH; kubectl conformance tests will be skipped" >&2
fi
