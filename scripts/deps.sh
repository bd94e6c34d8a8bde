#!/usr/bin/env bash
# Installs what the build, the tests and the demo need from Debian's packages.
# Idempotent and quiet when everything is present; prints what it installs otherwise.
set -euo pipefail

pkgs=(
  build-essential cmake pkg-config clang libclang-rt-14-dev valgrind
  libzmq3-dev libmsgpack-dev libyaml-dev libcurl4-openssl-dev libjansson-dev
  libseccomp-dev libmicrohttpd-dev libgnutls28-dev libcriterion-dev uthash-dev
  openssh-server openssh-sftp-server openssh-client python3-kubernetes
)

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
if ! command -v kubectl >/dev/null 2>&1; then
  echo "deps: WARNING: kubectl not on PATH; kubectl conformance tests will be skipped" >&2
fi
