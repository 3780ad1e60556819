#!/usr/bin/env bash
# Everything a fresh machine needs, idempotent: npm packages, Debian's Chromium (the webview and
# end-to-end tests drive it through playwright-core, which downloads no browser of its own), what
# code-server needs to build, Fashion-MNIST (small; the loader tests and the quality bench read it),
# and Debian packages for the comparison benchmarks (--bench). No stdin is needed, so CI can run it.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "setup: installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo -n"  # -n: fail rather than wait for a password on CI
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

apt_install chromium
# code-server for the end-to-end tests (test/e2e/install.ts): ripgrep in place of the one its
# postinstall would download, and headers for the native modules it builds from source.
apt_install ripgrep libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config
# Fashion-MNIST (30 MB): the IDX loader tests read it, and the quality bench trains on it.
apt_install dataset-fashion-mnist

if [ "${1:-}" = "--bench" ]; then
  # PyTorch and scikit-learn to compare against.
  apt_install python3-torch python3-sklearn
fi

export ONNXRUNTIME_NODE_INSTALL="${ONNXRUNTIME_NODE_INSTALL:-skip}"  # see .npmrc: no CUDA download from nuget.org
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
