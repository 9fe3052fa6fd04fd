// Chaos experiments in Redis (docs/chaos.md): one hash `experiments` of id -> record JSON
// without `applied`, and per experiment a hash `experiments:{id}:applied` of
// `{appliance}|sinceMs` and `{appliance}|revertedAtMs` -> ms, each set once. The write is one
// Lua script (EXPERIMENT_PUT_LUA) that keeps the state-moves-forward rule of
// experiment-merge.ts, so instances racing on a transition make it once.
import type { Redis } from 'ioredis';
import { execValues } from './redis-connection.js';
import type { ExperimentRecord, ExperimentWrite } from './store.js';

type Applied = NonNullable<ExperimentRecord['applied']>;
const TIMES = ['sinceMs', 'revertedAtMs'] as const;

export class RedisExperiments {
  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
    private readonly channel: string,
  ) {}

  private appliedKey(id: string): string {
    return `${this.prefix}experiments:${id}:applied`;
  }

  async put(exp: ExperimentRecord, message: string): Promise<ExperimentWrite> {
    const { applied, ...record } = exp;
    const fields: string[] = [];
    for (const [appliance, times] of Object.entries(applied ?? {})) {
      for (const t of TIMES) {
        const v = times[t];
        if (v !== undefined) fields.push(`${appliance}|${t}`, String(v));
      }
    }
    const changed = await this.client.ferryExperimentPut(
      `${this.prefix}experiments`,
      this.appliedKey(exp.id),
      this.channel,
      exp.id,
      exp.state,
      JSON.stringify(record),
      message,
      ...fields,
    );
    return changed === 1 ? 'changed' : 'unchanged';
  }

  async get(id: string): Promise<ExperimentRecord | undefined> {
    const [raw, applied] = execValues(
      await this.client.multi().hget(`${this.prefix}experiments`, id).hgetall(this.appliedKey(id)).exec(),
    ) as [string | null, Record<string, string>];
    return raw === null ? undefined : withApplied(raw, applied);
  }

  async list(): Promise<ExperimentRecord[]> {
    const all = await this.client.hgetall(`${this.prefix}experiments`);
    const ids = Object.keys(all).sort();
    if (ids.length === 0) return [];
    const tx = this.client.multi();
    for (const id of ids) tx.hgetall(this.appliedKey(id));
    const applied = execValues(await tx.exec()) as Record<string, string>[];
    return ids.map((id, i) => withApplied(all[id] as string, applied[i] ?? {}));
  }
}

function withApplied(raw: string, fields: Record<string, string>): ExperimentRecord {
  const record = JSON.parse(raw) as ExperimentRecord;
  const applied: Applied = {};
  for (const [field, value] of Object.entries(fields)) {
    const cut = field.lastIndexOf('|');
    const appliance = field.slice(0, cut);
    const time = field.slice(cut + 1) as (typeof TIMES)[number];
    if (!TIMES.includes(time)) continue;
    applied[appliance] = { ...applied[appliance], [time]: Number(value) };
  }
  return Object.keys(applied).length > 0 ? { ...record, applied } : record;
}
