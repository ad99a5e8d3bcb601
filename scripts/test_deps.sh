#!/usr/bin/env bash
# What the tests need beyond the set-up: headless Chromium, in which tests/it/html.rs renders the
# HTML report. Installs it through apt-get when run as root on Debian/Ubuntu and it is missing;
# otherwise stops naming the command to run. `MODELSWAP_CHROMIUM=/path/to/chromium` names a
# browser elsewhere; `MODELSWAP_SKIP_CHROMIUM=1` skips that one test.
set -euo pipefail

if [[ -n "${MODELSWAP_CHROMIUM:-}" || "${MODELSWAP_SKIP_CHROMIUM:-}" == "1" ]] || command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
  echo "test-deps: installing Chromium for the HTML report's browser test (apt-get install -y chromium)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends chromium >/dev/null
  command -v chromium >/dev/null 2>&1 && exit 0
  echo "test-deps: error: apt-get installed chromium but it is not on the PATH" >&2
  exit 1
fi
cat >&2 <<'MSG'
test-deps: error: the tests render the HTML report in headless Chromium, which is not installed.
  Install it:        sudo apt-get install -y chromium     (Debian/Ubuntu)
  or name a browser: MODELSWAP_CHROMIUM=/path/to/chromium make test
  or skip that test: MODELSWAP_SKIP_CHROMIUM=1 make test
MSG
exit 1
