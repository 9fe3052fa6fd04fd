// Units for the lines control writes for operators (actionable items): decimal GB and Mb/s,
// as an ISP engineer reads a link or a disk.
export function gb(bytes: number): string {
  const v = bytes / 1e9;
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} GB`;
}

export function duration(sec: number): string {
  if (sec < 90) return `${Math.round(sec)} s`;
  if (sec < 5400) return `${Math.round(sec / 60)} min`;
  return `${(sec / 3600).toFixed(1)} h`;
}
