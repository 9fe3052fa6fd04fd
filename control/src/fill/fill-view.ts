// GET /v1/appliances/{id}/fill: the operator's view of one appliance's fill. The appliance's
// own last report when there is one (what it is working on); before that, control's side of
// it: what placement gives it and what its inventory already holds.
import type { FillReport, FillView } from '@ferry/protocol';

export interface PlannedCounts {
  wanted: number;
  held: number;
  bytesToGo: number;
}

export function fillView(
  applianceId: string,
  report: FillReport | undefined,
  planned: PlannedCounts,
): FillView {
  if (!report) {
    return {
      applianceId,
      manifestVersion: null,
      wanted: planned.wanted,
      held: planned.held,
      filling: 0,
      failed: 0,
      bytesToGo: planned.bytesToGo,
      bytesPerSec: 0,
      etaSec: planned.bytesToGo === 0 ? 0 : null,
      window: 'unknown',
      errors: [],
    };
  }
  return {
    applianceId,
    manifestVersion: report.manifestVersion,
    wanted: report.wanted,
    held: report.held,
    filling: report.filling,
    failed: report.failed,
    bytesToGo: report.bytesToGo,
    bytesPerSec: report.bytesPerSec,
    etaSec: etaSec(report.bytesToGo, report.bytesPerSec),
    window: report.window,
    errors: report.errors,
  };
}

/** 0 when nothing is left, null when nothing moves, else the time at the current rate. */
export function etaSec(bytesToGo: number, bytesPerSec: number): number | null {
  if (bytesToGo === 0) return 0;
  if (!(bytesPerSec > 0)) return null;
  return Math.ceil(bytesToGo / bytesPerSec);
}

/** Done: every wanted file held, nothing in flight. */
export function fillDone(r: FillReport): boolean {
  return r.wanted > 0 && r.held >= r.wanted && r.filling === 0 && r.bytesToGo === 0;
}
