// What a result was measured on: printed beside every table, since ratios only mean
// something on the machine that produced them.
import { execFile } from 'node:child_process';
import { availableParallelism, cpus, release } from 'node:os';

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly kernel: string;
  readonly node: string;
  readonly versions: Readonly<Record<string, string>>;
}

/** Runs `cmd args` and returns the first line matching `pattern` on stdout or stderr. */
export function toolVersion(cmd: string, args: string[], pattern: RegExp): Promise<string> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 5000 }, (_err, stdout, stderr) => {
      const m = `${stdout}\n${stderr}`.match(pattern);
      resolve(m ? (m[1] ?? m[0]).trim() : 'not installed');
    });
  });
}

export function machineInfo(versions: Record<string, string> = {}): MachineInfo {
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    kernel: release(),
    node: process.version,
    versions,
  };
}

export function describeMachine(m: MachineInfo): string[] {
  const tools = Object.entries(m.versions).map(([k, v]) => `${k} ${v}`);
  return [
    `${m.cpuModel}, ${m.cores} cores, Linux ${m.kernel}, node ${m.node}`,
    ...(tools.length ? [tools.join(', ')] : []),
  ];
}

/** The machine as a Markdown table, for every benchmark's report. */
export function machineMarkdown(m: MachineInfo): string[] {
  return [
    '| machine | |',
    '|---|---|',
    `| CPU | ${m.cpuModel} |`,
    `| cores | ${m.cores} |`,
    `| kernel | ${m.kernel} |`,
    `| node | ${m.node} |`,
    ...Object.entries(m.versions).map(([k, v]) => `| ${k} | ${v} |`),
  ];
}
