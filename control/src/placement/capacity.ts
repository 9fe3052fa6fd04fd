// What one appliance may fill: the size of its servable disks as its heartbeats report them
// (or the operator's `--fill-capacity` for every appliance), less the share kept free. The
// free share leaves room for the files an appliance keeps until their new holders have them
// (make-before-break, manifest-plan.ts) and for partial downloads.

export interface CapacityRule {
  /** share of the capacity kept free, [0, 1) */
  readonly keepFree: number;
  /** bytes assumed for every appliance instead of what its disks report */
  readonly overrideBytes?: number;
}

export function fillCapacity(reportedDiskBytes: number, rule: CapacityRule): number {
  const total = rule.overrideBytes ?? reportedDiskBytes;
  if (!(total > 0) || !Number.isFinite(total)) return 0;
  return Math.floor(total * (1 - rule.keepFree));
}

/**
 * Bytes of the disks that can serve (state `ok`): each disk's size where the appliance reports
 * it, else what it holds (an appliance from before sizes were reported). Failed disks hold
 * nothing placement can use.
 */
export function servableDiskBytes(
  disks: readonly { state: string; bytes: number; sizeBytes?: number }[],
): number {
  let sum = 0;
  for (const d of disks) if (d.state === 'ok') sum += d.sizeBytes ?? d.bytes;
  return sum;
}
