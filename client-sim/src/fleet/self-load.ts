// How loaded the simulator itself was during a run. A fleet that saturates its own event
// loop delays reads and timers and would report stalls the network never caused, so the
// summary shows these next to the QoE.
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface SelfLoad {
  /** event-loop delay percentiles, ms */
  loopDelayP50Ms: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** process CPU time over wall time, in % of one core (all threads of the process) */
  cpuPercent: number;
}

export function watchSelfLoad(): { stop(): SelfLoad } {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  return {
    stop() {
      h.disable();
      const cpu = process.cpuUsage(cpu0);
      const wallMs = performance.now() - t0;
      return {
        loopDelayP50Ms: h.percentile(50) / 1e6,
        loopDelayP99Ms: h.percentile(99) / 1e6,
        loopDelayMaxMs: h.max / 1e6,
        cpuPercent: wallMs > 0 ? ((cpu.user + cpu.system) / 1000 / wallMs) * 100 : 0,
      };
    },
  };
}
