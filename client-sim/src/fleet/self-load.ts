// How loaded the simulator itself was during a run. A fleet that saturates its own event
// loop delays reads and timers and would report stalls the network never caused, so the
// summary and the report show these next to the QoE, with a warning when the simulator was
// the bottleneck (then the QoE figures measure the simulator, not the appliances).
import { availableParallelism } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface SelfLoad {
  /** event-loop delay percentiles, ms: how late a timer fired beyond its interval */
  loopDelayP50Ms: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** process CPU time (user + system) over wall time, in % of one core (all threads of the process) */
  cpuPercent: number;
  /** the same as a share of the whole machine: cpuPercent / cores */
  cpuMachinePercent?: number;
  /** cores the machine offers (availableParallelism) */
  cores?: number;
  /** threads the fleet ran its sessions on (each with its own event loop) */
  threads?: number;
  /** wall time the figures cover, ms */
  wallMs?: number;
}

/** The sampling interval of the loop-delay histogram, ms. */
const RESOLUTION_MS = 10;

/**
 * The histogram records the time between its timer's firings, so an idle loop reads
 * RESOLUTION_MS; the delay is what comes on top of that.
 */
const delay = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);

export function watchSelfLoad(): { stop(threads?: number): SelfLoad } {
  const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  h.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  return {
    stop(threads = 1) {
      h.disable();
      const cpu = process.cpuUsage(cpu0);
      const wallMs = performance.now() - t0;
      const cores = availableParallelism();
      const cpuPercent = wallMs > 0 ? ((cpu.user + cpu.system) / 1000 / wallMs) * 100 : 0;
      const empty = h.count === 0;
      return {
        loopDelayP50Ms: empty ? 0 : delay(h.percentile(50)),
        loopDelayP99Ms: empty ? 0 : delay(h.percentile(99)),
        loopDelayMaxMs: empty ? 0 : delay(h.max),
        cpuPercent,
        cpuMachinePercent: cpuPercent / cores,
        cores,
        threads,
        wallMs,
      };
    },
  };
}

/** Above this p99 loop delay a timer-driven player sees stalls of its own making. */
export const LOOP_DELAY_P99_LIMIT_MS = 100;
/** Above this share of a core per thread (or of the machine) the simulator was CPU-bound. */
export const CPU_LIMIT_PERCENT = 90;

/**
 * Why the simulator itself was the bottleneck of the run, one reason a line; none when it
 * was not. CPU counts per thread: two worker threads may use up to two cores.
 */
export function selfLoadWarnings(l: SelfLoad): string[] {
  const out: string[] = [];
  if (l.loopDelayP99Ms > LOOP_DELAY_P99_LIMIT_MS) {
    out.push(
      `event-loop delay p99 ${l.loopDelayP99Ms.toFixed(0)} ms is above ${LOOP_DELAY_P99_LIMIT_MS} ms: timers and reads ran late`,
    );
  }
  const threads = Math.max(1, l.threads ?? 1);
  const perThread = l.cpuPercent / threads;
  if (perThread > CPU_LIMIT_PERCENT) {
    out.push(
      `CPU ${perThread.toFixed(0)} % of a core per thread is above ${CPU_LIMIT_PERCENT} %: the simulator was CPU-bound`,
    );
  } else if ((l.cpuMachinePercent ?? 0) > CPU_LIMIT_PERCENT) {
    out.push(
      `CPU ${l.cpuMachinePercent!.toFixed(0)} % of the machine is above ${CPU_LIMIT_PERCENT} %: the simulator was CPU-bound`,
    );
  }
  return out;
}

/** The line a report prints when the simulator was the bottleneck, or undefined. */
export function selfLoadWarning(l: SelfLoad): string | undefined {
  const reasons = selfLoadWarnings(l);
  if (reasons.length === 0) return undefined;
  return `warning: the simulator itself was the bottleneck (${reasons.join('; ')}), so the QoE figures measure the simulator, not the appliances; run fewer sessions per thread (--workers) or on a bigger machine`;
}
