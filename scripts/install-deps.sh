#!/usr/bin/env bash
# Installs the Debian 12 packages gosim needs, only those that are missing
# (so a second run costs nothing). Run as root.
set -euo pipefail

packages=(
  build-essential cmake ninja-build git
  libcli11-dev nlohmann-json3-dev libfmt-dev doctest-dev libbenchmark-dev
)
# Extra packages for the whole test suite (clang for the thread-migration test;
# chromium and python3-websocket for the HTML view's browser test;
# python3-jsonschema for the scenario schema test).
if [[ "${1:-}" == "--test" ]]; then
  packages+=(clang chromium python3-websocket python3-jsonschema)
  packages+=(g++-aarch64-linux-gnu qemu-user)  # the AArch64 fiber test (cross build + qemu)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
