// Each appliance's last fill report (Heartbeat.fill) as this control instance heard it: the
// operator's fill view and the fill metrics read it. Kept in memory only: an appliance reports
// every second, so a restarted control (or another instance) has it again within a heartbeat.
import type { FillReport } from '@ferry/protocol';

export interface HeldFillReport {
  readonly report: FillReport;
  readonly atMs: number;
}

export class FillReports {
  private readonly byId = new Map<string, HeldFillReport>();

  get(id: string): HeldFillReport | undefined {
    return this.byId.get(id);
  }

  set(id: string, report: FillReport, atMs: number): void {
    this.byId.set(id, { report, atMs });
  }

  remove(id: string): void {
    this.byId.delete(id);
  }

  entries(): IterableIterator<[string, HeldFillReport]> {
    return this.byId.entries();
  }
}
