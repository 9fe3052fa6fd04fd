#!/usr/bin/env bash
# Installs Ferry's control service on Debian 12: user ferry, /opt/ferry, /etc/ferry (config,
# URL token keys, operator tokens, optionally the chaos key), /var/lib/ferry (the SQLite
# state), the hardened ferry-control.service and log rotation. Safe to run again: it
# changes nothing already as it would make it, never replaces the config file or a key.
# docs/install.md walks through it.
set -euo pipefail

PROG=install-control.sh
DEPLOY_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.sh
source "$DEPLOY_DIR/lib/common.sh"

usage() {
  cat <<USAGE
usage: $PROG [options]

Installs Ferry's control service (run as root). Every option has a default; the config
file /etc/ferry/control.json is written from them the first time only.

  --listen HOST:PORT   HTTP address (default: 127.0.0.1:8000; put a TLS proxy in front,
                       or 0.0.0.0:8000 on a trusted network)
  --redis URL          shared state in Redis instead of SQLite in /var/lib/ferry
  --chaos              also make a chaos key (/etc/ferry/chaos.key) and enable /v1/chaos
  --source DIR|TGZ     the Ferry checkout or npm pack tarball to install (default: the
                       checkout holding this script)
  --prefix DIR         install under DIR instead of / (images, tests); systemd is not told
  -h, --help           this help

The first run prints an admin operator token once: keep it. Then systemctl start
ferry-control, and copy /etc/ferry/keys to every appliance (install-appliance.sh
--token-keys).
USAGE
}

ROOT=''
LISTEN=127.0.0.1:8000
REDIS=''
CHAOS=0
SOURCE=$(dirname "$DEPLOY_DIR")
while (($#)); do
  case $1 in
  --listen) LISTEN=${2:?--listen needs HOST:PORT}; shift 2 ;;
  --redis) REDIS=${2:?--redis needs a URL}; shift 2 ;;
  --chaos) CHAOS=1; shift ;;
  --source) SOURCE=${2:?--source needs a directory or tarball}; shift 2 ;;
  --prefix) ROOT=${2:?--prefix needs a directory}; shift 2 ;;
  -h | --help) usage; exit 0 ;;
  *) printf '%s: unknown option %s (see --help)\n' "$PROG" "$1" >&2; exit 2 ;;
  esac
done
ROOT=${ROOT%/}
[[ -z $ROOT || -d $ROOT ]] || die "--prefix $ROOT: no such directory"

need_root
check_node
ensure_user
install_code "$SOURCE"
install_bin
base_dirs

ensure_token_keys ''
tokens=$ETC_DIR/operator-tokens
if [[ ! -e $ROOT$tokens ]]; then
  say "first admin operator token (shown once; more with ferry control token create):"
  ferry_cli control token create --file "$ROOT$tokens" --role admin --name installer
fi
chmod 0640 "$ROOT$tokens"
chown "0:$FERRY_GID" "$ROOT$tokens"

chaos_json=''
if ((CHAOS)); then
  ensure_ed25519_key "$ETC_DIR/chaos.key" 'chaos key'
  say "give it to the appliances that take chaos orders: --chaos on --chaos-verify-key $PUBLIC_KEY"
  chaos_json="
  \"chaos-key\": \"$ETC_DIR/chaos.key\","
fi
if [[ -n $REDIS ]]; then
  state_json="\"redis\": $(json_string "$REDIS"),"
else
  state_json="\"db\": \"$LIB_DIR/control.db\","
fi
# Keys are the long flags of `ferry control` (docs/install.md); flags given on the command
# line override them.
write_once "{
  \"listen\": $(json_string "$LISTEN"),
  $state_json$chaos_json
  \"token-key-file\": \"$ETC_DIR/keys\",
  \"operator-tokens\": \"$tokens\"
}" "$ETC_DIR/control.json" 0640 "0:$FERRY_GID"

install_unit ferry-control.service
