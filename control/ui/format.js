// Readable numbers and times: decimal units as an ISP engineer reads links and disks (GB,
// Mb/s), times in the operator's own time zone, ages as "3 s ago".

export function gb(bytes) {
  if (bytes === null || bytes === undefined) return '–';
  const v = bytes / 1e9;
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} GB`;
}

export function mbps(bitsPerSecond) {
  const v = bitsPerSecond / 1e6;
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} Mb/s`;
}

export function pct(x) {
  return `${(x * 100).toFixed(0)} %`;
}

export function ago(ms, nowMs = Date.now()) {
  if (!ms) return 'never';
  const s = Math.max(0, Math.round((nowMs - ms) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 48 * 3600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** Local time; with the date when it is not today. */
export function when(ms) {
  if (!ms) return '–';
  const d = new Date(ms);
  return d.toDateString() === new Date().toDateString() ? timeFmt.format(d) : dateTimeFmt.format(d);
}

export function clock(ms) {
  return timeFmt.format(new Date(ms));
}

/** `<input type="datetime-local">` value for a time in ms, and back. */
export function toLocalInput(ms) {
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function fromLocalInput(value) {
  return new Date(value).getTime();
}
