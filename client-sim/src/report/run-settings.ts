// The settings a report was produced with (the `run` block of its JSON): what ran (sessions,
// duration, networks, titles, control, seed, buffer), on what (versions, machine) and when,
// and how loaded the simulator itself was. Every writer of a report sets what it knows;
// writeReport adds the machine and versions when they are missing, so no report lacks them.
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, hostname, release, totalmem } from 'node:os';
import { type AudienceSettings, audienceSettings } from '../audience/settings.js';
import type { SelfLoad } from '../fleet/self-load.js';
import { type BufferConfig, DEFAULT_BUFFER_CONFIG } from '../player/buffer.js';

export interface MachineSettings {
  /** cores the process may use (availableParallelism) */
  cores: number;
  cpuModel: string;
  memoryBytes: number;
  hostname: string;
  /** e.g. "linux 6.1.0-18-amd64" */
  os: string;
  node: string;
}

/** Known fields are drawn in the report's table; any others are listed as they are. */
export interface ReportRun {
  /** e.g. "ferry sim", "ferry demo", "ferry bench failover" */
  command?: string;
  control?: string;
  sessions?: number;
  durationSec?: number;
  rampSec?: number;
  titles?: readonly string[];
  /** the audience settings in force: networks (name and share), seed, arrivals, … */
  audience?: {
    networks?: readonly { name: string; share: number }[] | null;
    seed?: string | number;
    [key: string]: unknown;
  };
  /** the players' buffer settings in force */
  buffer?: { startupSec?: number; rebufferSec?: number; maxBufferSec?: number };
  workers?: number;
  /** unix ms */
  startedAtMs?: number;
  endedAtMs?: number;
  versions?: Record<string, string>;
  machine?: MachineSettings;
  selfLoad?: SelfLoad;
  [key: string]: unknown;
}

let ferryVersion: string | undefined;

/** The version of this package (every workspace has the same one). */
export function ferryPackageVersion(): string {
  if (ferryVersion === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
        version?: string;
      };
      ferryVersion = pkg.version ?? 'unknown';
    } catch {
      ferryVersion = 'unknown';
    }
  }
  return ferryVersion;
}

export function machineSettings(): MachineSettings {
  return {
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryBytes: totalmem(),
    hostname: hostname(),
    os: `${process.platform} ${release()}`,
    node: process.version,
  };
}

export function runVersions(extra: Record<string, string> = {}): Record<string, string> {
  return { ferry: ferryPackageVersion(), node: process.version, v8: process.versions.v8, ...extra };
}

/** The audience settings in force (the planner's defaults under `partial`), as plain JSON. */
export function audienceRunSettings(
  partial: Partial<AudienceSettings> = {},
): NonNullable<ReportRun['audience']> {
  const s = audienceSettings(partial);
  return {
    ...s,
    networks: s.networks ? s.networks.map((e) => ({ name: e.preset.name, share: e.share })) : null,
  };
}

/** The players' buffer settings in force: the defaults under `partial`. */
export function bufferRunSettings(partial: Partial<BufferConfig> = {}): BufferConfig {
  return { ...DEFAULT_BUFFER_CONFIG, ...partial };
}

/** `run` with the machine and versions filled in where the writer left them out. */
export function completeRun(run: ReportRun | undefined, startedAtMs?: number): ReportRun {
  const r: ReportRun = { ...(run ?? {}) };
  if (r.startedAtMs === undefined && startedAtMs !== undefined && startedAtMs > 0)
    r.startedAtMs = startedAtMs;
  r.versions = { ...runVersions(), ...(r.versions ?? {}) };
  r.machine ??= machineSettings();
  return r;
}
