// A throwaway root for the install scripts (deploy/install-*.sh --prefix) and a way to run a
// service from its installed unit's command line inside a network namespace, as the unit's
// user with only the unit's capabilities.
//
// The service must see the installed files at the paths the unit and config name (/etc/ferry,
// /opt/ferry, …) without the host's /etc or /opt being touched: it runs in a private mount
// namespace where each top directory is an overlay of the root's over the host's (read-only;
// the host's node and libraries stay visible), and the directories the unit may write
// (ReadWritePaths) are bind mounts of the root's own, so what it writes lands in the root.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessGroup } from '@ferry/harness';

/** What a minimal Debian base holds that the scripts and systemd-analyze need. */
export function seedBaseSystem(root: string): void {
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\n');
  writeFileSync(join(root, 'etc/shadow'), 'root:*:19000:0:99999:7:::\n', { mode: 0o640 });
  writeFileSync(join(root, 'etc/gshadow'), 'root:*::\n', { mode: 0o640 });
  // systemd-analyze verify --root wants the standard targets and ExecReload's /bin/kill.
  mkdirSync(join(root, 'usr/lib/systemd'), { recursive: true });
  cpSync('/usr/lib/systemd/system', join(root, 'usr/lib/systemd/system'), { recursive: true });
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  cpSync('/usr/bin/kill', join(root, 'usr/bin/kill'));
  symlinkSync('usr/bin', join(root, 'bin'));
}

export interface Entry {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly mtimeMs: number;
  /** sha256 of the content (files outside the code tree; the code tree is compared by stat) */
  readonly sha?: string;
}

/** Every path under root with its mode, owner, size, mtime and (outside skipHash) content hash. */
export function snapshot(root: string, skipHash: string): Map<string, Entry> {
  const out = new Map<string, Entry>();
  const walk = (rel: string) => {
    const path = join(root, rel);
    const st = lstatSync(path);
    const hash = st.isFile() && !rel.startsWith(skipHash);
    out.set(rel, {
      mode: st.mode,
      uid: st.uid,
      gid: st.gid,
      size: st.size,
      mtimeMs: st.mtimeMs,
      sha: hash ? createHash('sha256').update(readFileSync(path)).digest('hex') : undefined,
    });
    if (st.isDirectory()) for (const name of readdirSync(path)) walk(rel ? `${rel}/${name}` : name);
  };
  walk('');
  return out;
}

/** The [Service] settings of a unit file (last value wins; continuation lines joined). */
export function unitSettings(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.replace(/\\\n\s*/g, ' ').split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) out.set(m[1]!, m[2]!.trim());
  }
  return out;
}

/** passwd-style file → name → [uid, gid]. */
export function accounts(
  root: string,
): Map<string, { uid: number; gid: number; home: string; shell: string }> {
  const out = new Map<string, { uid: number; gid: number; home: string; shell: string }>();
  for (const line of readFileSync(join(root, 'etc/passwd'), 'utf8').split('\n')) {
    const f = line.split(':');
    if (f.length >= 7) out.set(f[0]!, { uid: Number(f[2]), gid: Number(f[3]), home: f[5]!, shell: f[6]! });
  }
  return out;
}

export function netnsAdd(name: string): void {
  execFileSync('ip', ['netns', 'add', name]);
  execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
}

export function netnsDelete(name: string): void {
  try {
    execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
  } catch {
    // not there: nothing to remove
  }
}

/** GET url from inside the namespace; the status code, or 0 when nothing answered. */
export function statusInNetns(ns: string, url: string): number {
  try {
    const out = execFileSync(
      'ip',
      ['netns', 'exec', ns, 'curl', '-s', '-o', '/dev/null', '-m', '2', '-w', '%{http_code}', url],
      { encoding: 'utf8' },
    );
    return Number(out);
  } catch {
    return 0;
  }
}

export interface UnitRun {
  readonly ns: string;
  readonly root: string;
  readonly unit: Map<string, string>;
  readonly argv: readonly string[];
  readonly writable: readonly string[];
}

// Runs in the namespace: overlays, binds, the unit's directory and umask, then exec (same
// pid all the way down: ip netns exec, unshare and sh all exec) setpriv into the service.
const LAUNCH = `set -e
root=$1; rw=$2; cwd=$3; mask=$4; caps=$5; uid=$6; gid=$7; nofile=$8; shift 8
for d in etc opt usr/local var srv; do
  [ -d "$root/$d" ] && mount -t overlay overlay -o "lowerdir=$root/$d:/$d" "/$d"
done
for d in $rw; do mount --bind "$root$d" "$d"; done
cd "$cwd"
umask "$mask"
ulimit -n "$nofile" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
exec setpriv --reuid="$uid" --regid="$gid" --clear-groups --no-new-privs \\
  --inh-caps="-all$caps" --ambient-caps="-all$caps" --bounding-set="-all$caps" -- "$@"`;

/** Starts the unit's ExecStart as its User with only its AmbientCapabilities. */
export function startFromUnit(group: ProcessGroup, run: UnitRun, name: string) {
  const user = accounts(run.root).get(run.unit.get('User') ?? 'root');
  if (!user) throw new Error(`unit user ${run.unit.get('User')} not in ${run.root}/etc/passwd`);
  const caps = (run.unit.get('AmbientCapabilities') ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map((c) => `,+${c.replace(/^CAP_/, '').toLowerCase()}`)
    .join('');
  const args = [
    'netns',
    'exec',
    run.ns,
    'unshare',
    '--mount',
    '--propagation',
    'private',
    '/bin/sh',
    '-c',
    LAUNCH,
    'launch',
    run.root,
    run.writable.join(' '),
    run.unit.get('WorkingDirectory') ?? '/',
    run.unit.get('UMask') ?? '0022',
    caps,
    String(user.uid),
    String(user.gid),
    run.unit.get('LimitNOFILE') ?? '1024',
    ...run.argv,
  ];
  return group.start({ name, command: 'ip', args, env: { PATH: '/usr/local/bin:/usr/bin:/bin' } });
}

/** /proc/PID/status fields: Uid, Gid, CapEff, CapAmb, … */
export function procStatus(pid: number): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return out;
}
