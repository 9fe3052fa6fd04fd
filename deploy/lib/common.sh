# shellcheck shell=bash
# Shared steps of deploy/install-appliance.sh and deploy/install-control.sh (sourced, not run).
# Every step is idempotent: it compares what is there with what it would write and leaves an
# equal file alone, so a second run changes nothing. Paths are under $ROOT ('' for /, or the
# --prefix of an image or a test), and what goes into files names the paths as seen from
# inside that root (/etc/ferry/…), never $ROOT.

FERRY_USER=ferry
CODE_DIR=/opt/ferry
ETC_DIR=/etc/ferry
LIB_DIR=/var/lib/ferry
LOG_DIR=/var/log/ferry
BIN_LINK=/usr/local/bin/ferry
NODE=${FERRY_NODE:-/usr/bin/node}

say() { printf '%s: %s\n' "$PROG" "$*"; }
die() {
  printf '%s: error: %s\n' "$PROG" "$*" >&2
  exit 1
}

need_root() {
  [[ $(id -u) == 0 ]] || die "run as root (it creates a user, writes /etc/ferry and a systemd unit)"
}

check_node() {
  [[ -x $NODE ]] || die "$NODE not found: install Node.js 20 or newer (Debian 12: apt-get install nodejs)"
  local major
  major=$("$NODE" -p 'process.versions.node.split(".")[0]')
  ((major >= 20)) || die "$NODE is Node.js $major; Ferry needs 20 or newer"
}

# The system user and group: no login shell, no home. With a prefix, useradd/groupadd write
# that root's passwd and group files (--prefix), which must exist (a base system has them).
ensure_user() {
  local passwd="$ROOT/etc/passwd"
  [[ -f $passwd ]] || die "$passwd missing: --prefix must hold a base system's /etc/passwd and /etc/group"
  if ! grep -q "^$FERRY_USER:" "$ROOT/etc/group"; then
    groupadd ${ROOT:+--prefix "$ROOT"} --system "$FERRY_USER"
    say "created group $FERRY_USER"
  fi
  if ! grep -q "^$FERRY_USER:" "$passwd"; then
    useradd ${ROOT:+--prefix "$ROOT"} --system --gid "$FERRY_USER" --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin --comment 'Ferry service' "$FERRY_USER"
    say "created user $FERRY_USER"
  fi
  # Numbers from the root's own files: the host's names may not match a prefix's.
  FERRY_UID=$(awk -F: -v u="$FERRY_USER" '$1 == u { print $3 }' "$passwd")
  FERRY_GID=$(awk -F: -v u="$FERRY_USER" '$1 == u { print $3 }' "$ROOT/etc/group")
}

# ensure_dir PATH MODE OWNER:GROUP (numbers)
ensure_dir() {
  mkdir -p "$ROOT$1"
  chmod "$2" "$ROOT$1"
  chown "$3" "$ROOT$1"
}

# install_file SRC DEST MODE OWNER:GROUP: copies when the content differs (atomically: a
# temp file beside DEST, then rename), and sets mode and owner either way.
install_file() {
  local src=$1 dest=$ROOT$2
  if ! cmp -s "$src" "$dest"; then
    local tmp
    tmp=$(mktemp "$dest.XXXXXX")
    cat "$src" >"$tmp"
    chmod "$3" "$tmp"
    chown "$4" "$tmp"
    mv -f "$tmp" "$dest"
    say "wrote $2"
  fi
  chmod "$3" "$dest"
  chown "$4" "$dest"
}

# write_once TEXT DEST MODE OWNER: a config file an operator edits afterwards; never replaced.
write_once() {
  local dest=$ROOT$2
  if [[ -e $dest ]]; then
    say "kept $2 (exists; edit it, or remove it to get the defaults again)"
    return
  fi
  local tmp
  tmp=$(mktemp "$dest.XXXXXX")
  printf '%s\n' "$1" >"$tmp"
  chmod "$3" "$tmp"
  chown "$4" "$tmp"
  mv -f "$tmp" "$dest"
  say "wrote $2"
}

# The code: a checkout (with its node_modules, as `npm ci` left them, native modules built)
# is copied to /opt/ferry, without .git and without development packages; one without
# node_modules, or an `npm pack` tarball, gets its dependencies from npm there
# (npm_production_install), which needs the npm registry or a filled npm cache.
# A stamp of the source (commit, local changes, lock file) skips the copy when the same tree
# is already installed; a different one replaces /opt/ferry whole (rename, old tree removed).
install_code() {
  local src=$1 stamp
  if [[ -d $src ]]; then
    [[ -f $src/package.json && -f $src/cli/bin/ferry.js ]] || die "$src is not a Ferry checkout"
    src=$(cd "$src" && pwd -P) # npm ls prints real paths
    if git -C "$src" rev-parse HEAD >/dev/null 2>&1; then
      stamp=$({ git -C "$src" rev-parse HEAD; git -C "$src" status --porcelain; git -C "$src" diff HEAD; cat "$src/package-lock.json"; } | sha256sum | cut -d' ' -f1)
    else
      stamp=$(cd "$src" && find . -path ./node_modules -prune -o -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
    fi
  elif [[ -f $src ]]; then
    stamp=$(sha256sum "$src" | cut -d' ' -f1)
  else
    die "--source $src: no such directory or file"
  fi
  if [[ -f $ROOT$CODE_DIR/.ferry-source && $(cat "$ROOT$CODE_DIR/.ferry-source") == "$stamp" ]]; then
    say "kept $CODE_DIR (same source)"
    return
  fi
  local stage=$ROOT$CODE_DIR.new
  rm -rf "$stage"
  mkdir -p "$stage"
  if [[ -d $src ]]; then
    (cd "$src" && find . -mindepth 1 -maxdepth 1 ! -name .git ! -name .ferry-demo ! -name build \
      ! -name node_modules -print0 | xargs -0 cp -a --target-directory="$stage")
    if [[ -d $src/node_modules ]]; then
      copy_production_modules "$src" "$stage"
    else
      npm_production_install "$stage"
    fi
  else
    tar -xzf "$src" -C "$stage" --strip-components=1
    npm_production_install "$stage"
  fi
  printf '%s\n' "$stamp" >"$stage/.ferry-source"
  chown -R 0:0 "$stage"
  chmod 0755 "$stage"
  if [[ -e $ROOT$CODE_DIR ]]; then
    mv "$ROOT$CODE_DIR" "$ROOT$CODE_DIR.old"
  fi
  mv "$stage" "$ROOT$CODE_DIR"
  rm -rf "$ROOT$CODE_DIR.old"
  say "installed the code in $CODE_DIR"
}

# The checkout's node_modules without its development tools (linters, compilers, test
# runners: what `npm ci --omit=dev` would leave out), found offline by `npm ls --omit=dev`.
# A tree npm finds fault with (missing or extraneous packages) is copied whole instead.
copy_production_modules() {
  local src=$1 stage=$2 list
  mkdir -p "$stage/node_modules"
  if list=$(cd "$src" && npm ls --omit=dev --all --parseable 2>/dev/null); then
    # Top-most package directories only: a nested one comes with its parent.
    # -a keeps the workspace symlinks (@ferry/*, relative: they resolve in the copy).
    printf '%s\n' "$list" | sed -n "s|^$src/||p" | grep '^node_modules/' | sort |
      awk 'BEGIN { p = "\001" } index($0, p "/") != 1 { print; p = $0 }' |
      (cd "$src" && xargs -d '\n' cp -a --parents --target-directory="$stage")
    [[ -d $src/node_modules/@ferry ]] && cp -a "$src/node_modules/@ferry" "$stage/node_modules/"
  else
    say "npm ls found problems in $src/node_modules: copying it whole"
    cp -a "$src/node_modules/." "$stage/node_modules/"
  fi
}

# npm ci with the lock file (a checkout has one); an npm pack tarball carries none, so there
# npm install resolves the versions package.json allows. Either builds the native addons.
npm_production_install() {
  command -v npm >/dev/null || die "npm not found: it installs the dependencies (apt-get install npm)"
  if [[ -f $1/package-lock.json ]]; then
    (cd "$1" && npm ci --omit=dev --no-audit --no-fund)
  else
    (cd "$1" && npm install --omit=dev --no-audit --no-fund)
  fi
}

# `ferry` on PATH: a wrapper, not a symlink, so it names the node that runs it.
install_bin() {
  local tmp
  tmp=$(mktemp)
  printf '#!/bin/sh\n# Installed by deploy/install-*.sh: the ferry command.\nexec %s %s/cli/bin/ferry.js "$@"\n' \
    "$NODE" "$CODE_DIR" >"$tmp"
  mkdir -p "$(dirname "$ROOT$BIN_LINK")"
  install_file "$tmp" "$BIN_LINK" 0755 0:0
  rm -f "$tmp"
}

# Runs the installed ferry against files under $ROOT.
ferry_cli() {
  "$NODE" "$ROOT$CODE_DIR/cli/bin/ferry.js" "$@"
}

# The base tree: /etc/ferry readable by the service's group only, state and logs its own.
base_dirs() {
  ensure_dir "$ETC_DIR" 0750 "0:$FERRY_GID"
  ensure_dir "$LIB_DIR" 0750 "$FERRY_UID:$FERRY_GID"
  ensure_dir "$LOG_DIR" 0750 "$FERRY_UID:$FERRY_GID"
}

# URL token keys: generated once (or copied from --token-keys, control's own file, which the
# appliances must share to verify what control signs), root:ferry 0640.
ensure_token_keys() {
  local from=$1 dest=$ETC_DIR/keys
  if [[ ! -e $ROOT$dest ]]; then
    if [[ -n $from ]]; then
      install_file "$from" "$dest" 0640 "0:$FERRY_GID"
    else
      ferry_cli keys generate --out "$ROOT$dest" >/dev/null
      say "generated URL token keys $dest"
    fi
  fi
  chmod 0640 "$ROOT$dest"
  chown "0:$FERRY_GID" "$ROOT$dest"
}

# An Ed25519 key (identity, chaos): made once; prints its public key every run.
ensure_ed25519_key() {
  local dest=$1 what=$2
  if [[ ! -e $ROOT$dest ]]; then
    ferry_cli keys identity --out "$ROOT$dest" >/dev/null
    say "generated $what $dest"
  fi
  chmod 0640 "$ROOT$dest"
  chown "0:$FERRY_GID" "$ROOT$dest"
  local pub
  pub=$("$NODE" -e 'const c = require("node:crypto");
    const k = c.createPublicKey(c.createPrivateKey(require("node:fs").readFileSync(process.argv[1])));
    process.stdout.write(k.export({ format: "jwk" }).x);' "$ROOT$dest")
  say "$what public key: $pub"
  # shellcheck disable=SC2034 # read by the scripts that source this file
  PUBLIC_KEY=$pub
}

# The unit and log rotation; systemd told only where it runs (not in a prefix, an image build
# or a container without it).
install_unit() {
  local unit=$1
  mkdir -p "$ROOT/etc/systemd/system" "$ROOT/etc/logrotate.d"
  install_file "$DEPLOY_DIR/systemd/$unit" "/etc/systemd/system/$unit" 0644 0:0
  install_file "$DEPLOY_DIR/logrotate/ferry" /etc/logrotate.d/ferry 0644 0:0
  if [[ -z $ROOT && -d /run/systemd/system ]]; then
    systemctl daemon-reload
    systemctl enable "$unit" >/dev/null
    say "enabled $unit; start it with: systemctl start $unit"
  else
    say "systemd is not running here${ROOT:+ (installing under $ROOT)}: skipped daemon-reload and enable of $unit"
  fi
}

# The JSON text of a string (for the config files written from flags).
json_string() {
  "$NODE" -e 'process.stdout.write(JSON.stringify(process.argv[1]))' "$1"
}
