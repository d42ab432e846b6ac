#!/usr/bin/env bash
# Install everything the test suite needs on a fresh Debian machine, then run it.
#
#   bash scripts/test.sh [PYTEST ARGS...]
#
# Phases, each timed: system packages (Debian chromium, fonts, Java, Node only when missing),
# the Python virtual environment (.venv, the project with its test extras), the npm checkers
# (tools/: axe-core, vnu-jar, linkinator, from the committed lockfile), then pytest. Safe to run
# again: a phase whose inputs have not changed since the last run is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

now() { local t=${EPOCHREALTIME/[.,]/}; echo "${t}"; }  # microseconds
secs() { printf '%d.%01d' $(( $1 / 1000000 )) $(( $1 % 1000000 / 100000 )); }
started=$(now)
phase_start=$started
phase_name=""
phase() {  # phase NAME: report how long the previous phase took, then announce the next
  local t; t=$(now)
  [ -z "$phase_name" ] || echo "==> $phase_name: $(secs $(( t - phase_start ))) s"
  phase_name=$1; phase_start=$t
  [ -z "$phase_name" ] || echo "==> $phase_name"
}
trap 'phase ""; echo "==> total: $(secs $(( $(now) - started ))) s"' EXIT

# --- system packages --------------------------------------------------------------------------
phase "system packages"
missing=()
command -v chromium >/dev/null || missing+=(chromium)
# Chromium renders text only with a font installed; the pages ask for a serif, a sans and a mono.
dpkg -s fonts-dejavu-core >/dev/null 2>&1 || missing+=(fonts-dejavu-core)
dpkg -s fonts-liberation >/dev/null 2>&1 || missing+=(fonts-liberation)
command -v java >/dev/null || missing+=(default-jre-headless)   # the Nu Html Checker
command -v npm >/dev/null || missing+=(nodejs npm)               # axe-core, linkinator
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo_cmd=(sudo)
  fi
  echo "installing: ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -q
  "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
else
  echo "chromium, fonts, java and npm already installed"
fi
echo "$(chromium --version 2>/dev/null | tail -n1); java $(java -version 2>&1 | head -n1 | cut -d'"' -f2);" \
     "node $(node --version); npm $(npm --version)"

# --- Python virtual environment ---------------------------------------------------------------
phase "python environment (.venv)"
stamp=.venv/.epistola-installed
want="$(sha256sum pyproject.toml | cut -d' ' -f1) $PWD"
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c '' 2>/dev/null; then
  rm -rf .venv
  python3 -m venv .venv
fi
if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] \
   && .venv/bin/python -c 'import epistola, playwright, pytest_playwright' 2>/dev/null; then
  echo "up to date with pyproject.toml"
else
  .venv/bin/python -m pip install -q -e '.[test]'
  echo "$want" > "$stamp"
fi

# --- npm checkers -----------------------------------------------------------------------------
phase "npm checkers (tools/)"
lock_sum=$(sha256sum tools/package-lock.json | cut -d' ' -f1)
if [ "$(cat tools/node_modules/.epistola-installed 2>/dev/null)" = "$lock_sum" ]; then
  echo "up to date with tools/package-lock.json"
else
  # --ignore-scripts: vnu-jar's install script would try to download a Java runtime.
  ( cd tools && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error )
  echo "$lock_sum" > tools/node_modules/.epistola-installed
fi

# --- tests ------------------------------------------------------------------------------------
phase "pytest"
set +e
.venv/bin/python -m pytest "$@" </dev/null
status=$?
set -e
exit $status
