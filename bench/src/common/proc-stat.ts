// A child process's own resource use, read from /proc, for benchmarks that charge work to the
// process that did it.
import { readFile } from 'node:fs/promises';

/** User + system CPU time of a process in ms, from /proc/PID/stat (clock ticks, 10 ms on Linux). */
export async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks * 10;
}
