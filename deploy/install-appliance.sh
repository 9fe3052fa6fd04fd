#!/usr/bin/env bash
# Installs a Ferry appliance on Debian 12: user ferry, /opt/ferry, /etc/ferry (config, URL
# token keys, identity key), store directories, the hardened ferry-appliance.service and log
# rotation. Safe to run again: it changes nothing that is already as it would make it, and
# never replaces the config file or a key. docs/install.md walks through it.
set -euo pipefail

PROG=install-appliance.sh
DEPLOY_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.sh
source "$DEPLOY_DIR/lib/common.sh"

usage() {
  cat <<USAGE
usage: $PROG [options]

Installs a Ferry appliance (run as root). Every option has a default; the config file
/etc/ferry/appliance.json is written from them the first time only.

  --id ID              appliance id (default: the host name)
  --site NAME          site name (default: default)
  --listen HOST:PORT   viewers' HTTP address (default: 0.0.0.0:80)
  --store DIR          content store, one per SSD, under /srv/ferry (repeatable;
                       default: /srv/ferry/store0)
  --control URL        control's base URL (heartbeats; the identity key signs them)
  --token-keys FILE    control's URL token key file to copy (default: generate a new one,
                       which control must then be given)
  --source DIR|TGZ     the Ferry checkout or npm pack tarball to install (default: the
                       checkout holding this script)
  --prefix DIR         install under DIR instead of / (images, tests); systemd is not told
  -h, --help           this help

After it: enroll the printed public key at control, then systemctl start ferry-appliance.
USAGE
}

ROOT=''
ID=''
SITE=default
LISTEN=0.0.0.0:80
STORES=()
CONTROL=''
TOKEN_KEYS=''
SOURCE=$(dirname "$DEPLOY_DIR")
while (($#)); do
  case $1 in
  --id) ID=${2:?--id needs a value}; shift 2 ;;
  --site) SITE=${2:?--site needs a value}; shift 2 ;;
  --listen) LISTEN=${2:?--listen needs HOST:PORT}; shift 2 ;;
  --store) STORES+=("${2:?--store needs a directory}"); shift 2 ;;
  --control) CONTROL=${2:?--control needs a URL}; shift 2 ;;
  --token-keys) TOKEN_KEYS=${2:?--token-keys needs a file}; shift 2 ;;
  --source) SOURCE=${2:?--source needs a directory or tarball}; shift 2 ;;
  --prefix) ROOT=${2:?--prefix needs a directory}; shift 2 ;;
  -h | --help) usage; exit 0 ;;
  *) printf '%s: unknown option %s (see --help)\n' "$PROG" "$1" >&2; exit 2 ;;
  esac
done
ROOT=${ROOT%/}
[[ -z $ROOT || -d $ROOT ]] || die "--prefix $ROOT: no such directory"
[[ -n $ID ]] || ID=$(hostname -s)
((${#STORES[@]})) || STORES=(/srv/ferry/store0)
for store in "${STORES[@]}"; do
  # The unit may write only below /srv/ferry (ReadWritePaths): mount the SSDs there.
  [[ $store == /srv/ferry/* && $store != *..* ]] || die "--store $store: stores live under /srv/ferry (mount each SSD at /srv/ferry/NAME)"
done

need_root
check_node
ensure_user
install_code "$SOURCE"
install_bin
base_dirs
ensure_dir /srv/ferry 0755 0:0
for store in "${STORES[@]}"; do
  ensure_dir "$store" 0750 "$FERRY_UID:$FERRY_GID"
done

ensure_token_keys "$TOKEN_KEYS"
ensure_ed25519_key "$ETC_DIR/identity.key" 'identity key'

stores_json=$(printf '%s\n' "${STORES[@]}" | "$NODE" -e \
  'process.stdout.write(JSON.stringify(require("node:fs").readFileSync(0, "utf8").trim().split("\n")))')
control_json=''
if [[ -n $CONTROL ]]; then
  control_json="
  \"control\": $(json_string "$CONTROL"),"
fi
# Keys are the long flags of `ferry appliance` (docs/install.md); flags given on the command
# line override them.
write_once "{
  \"id\": $(json_string "$ID"),
  \"site\": $(json_string "$SITE"),
  \"listen\": $(json_string "$LISTEN"),
  \"store\": $stores_json,$control_json
  \"identity-key\": \"$ETC_DIR/identity.key\",
  \"token-key-file\": \"$ETC_DIR/keys\",
  \"access-log\": \"$LOG_DIR/access.log\",
  \"drain-timeout\": 30
}" "$ETC_DIR/appliance.json" 0640 "0:$FERRY_GID"

install_unit ferry-appliance.service
say "enroll this appliance at control with:"
say "  ferry control appliance add --id $ID --site $SITE --public-key $PUBLIC_KEY"
