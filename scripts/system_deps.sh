#!/usr/bin/env bash
# Installs the Debian packages the app needs, when they are missing and apt is available.
#   scripts/system_deps.sh run    WeasyPrint's libraries, gettext, a CJK font
#   scripts/system_deps.sh test   + Chromium for browser tests, poppler for PDF text
#   scripts/system_deps.sh bench  + wrk for load generation
set -u
want=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 gettext fonts-noto-cjk)
case "${1:-run}" in
  test) want+=(chromium poppler-utils) ;;
  bench) want+=(wrk) ;;
esac
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "!! Missing system packages (${missing[*]}) and no apt-get: install them by hand." >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "!! Missing system packages (${missing[*]}); run: sudo apt-get install ${missing[*]}" >&2
    exit 0
  fi
fi
echo ">> Installing system packages: ${missing[*]}"
$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null \
  || echo "!! apt-get could not install ${missing[*]}; the features that need them will say so." >&2
exit 0
