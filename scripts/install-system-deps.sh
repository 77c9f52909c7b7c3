#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, and only those that are missing.
#   prometheus: /usr/bin/prometheus and /usr/bin/promtool for tests/integration/test_sli_prometheus.py
#   chromium: /usr/bin/chromium for the Bridge's browser tests (tests/browser) and bench/bridge.py
#   kubernetes-client: kubectl for tests/integration/eks/test_kubectl.py (any kubectl already on
#   the PATH will do: another package providing it, such as Google Cloud's, conflicts with it)
# Safe to run repeatedly: when everything is installed it changes nothing and needs no root.
set -euo pipefail

PACKAGES=(prometheus chromium)
PACKAGES+=(kubernetes-client)
# Packages that count as installed when their command is on the PATH, whatever provides it.
declare -A PROVIDES=([kubernetes-client]=kubectl)

missing=()
for package in "${PACKAGES[@]}"; do
  if [ -n "${PROVIDES[$package]:-}" ] && command -v "${PROVIDES[$package]}" >/dev/null 2>&1; then
    continue
  fi
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "system packages already installed: ${PACKAGES[*]}"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: missing packages (${missing[*]}) and no apt-get on this system;" \
    "install them with your package manager (prometheus must provide the prometheus and" \
    "promtool commands)" >&2
  exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "error: missing packages (${missing[*]}); run this script as root or install sudo," \
    "or install them yourself: apt-get install ${missing[*]}" >&2
  exit 1
fi

echo "installing: ${missing[*]}"
# env passes DEBIAN_FRONTEND through sudo, which would otherwise drop it.
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${missing[@]}"
