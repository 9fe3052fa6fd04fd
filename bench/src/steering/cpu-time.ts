// A server process's own CPU time (user + system) from /proc/PID/stat, read around each timed
// run: CPU per answer holds up on a shared machine where answers/s does not (a busy
// neighbour lowers the rate, not the work each answer takes), and 1e6 / (µs per answer) is
// the rate one core could sustain.
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's times: 100 on every Linux this runs on (USER_HZ). */
const TICKS_PER_SEC = 100;

/** CPU seconds the process has used, or null where /proc is not there (not Linux). */
export function processCpuSec(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (2nd field) is in parentheses and may hold spaces: count from its end.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / TICKS_PER_SEC : null;
}
