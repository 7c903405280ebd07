#!/usr/bin/env bash
# Installs, from Debian's packages, what the tests need beyond Python and npm: a PostgreSQL
# server (the suite runs on it as well as SQLite), Chromium with a metric-compatible Arial
# substitute (the browser tests), and poppler-utils (pdftoppm, pdftotext: rendering the PDF
# reports in tests). Does nothing when they are already there.
set -euo pipefail

need=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -d /usr/share/fonts/truetype/liberation ] || need+=(fonts-liberation)
command -v pdftoppm >/dev/null || need+=(poppler-utils)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing from Debian: ${need[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
