// The fill window (`--fill-window`): when the appliance may fetch. An ISP usually wants fill
// traffic in its quiet hours (Open Connect fills overnight, local time), so a window is a
// daily span of local wall-clock time, `HH:MM-HH:MM`, which may wrap past midnight
// (`22:00-06:00`); `always` is for demos and tests. Pure: parse once, ask with a Date.

export type FillWindow =
  | { readonly kind: 'always' }
  /** minutes after local midnight; the window is [start, end), wrapping when end < start */
  | { readonly kind: 'daily'; readonly startMin: number; readonly endMin: number };

const HHMM = /^([01][0-9]|2[0-3]):([0-5][0-9])$/;

/** The window, or a message saying what is wrong with the text. */
export function parseFillWindow(text: string): FillWindow | { error: string } {
  if (text === 'always') return { kind: 'always' };
  const [a, b, ...rest] = text.split('-');
  if (a === undefined || b === undefined || rest.length > 0) {
    return { error: `expected "always" or HH:MM-HH:MM (local time), got "${text}"` };
  }
  const start = minutes(a);
  const end = minutes(b);
  if (start === undefined || end === undefined) {
    return { error: `times must be HH:MM, 00:00-23:59, got "${text}"` };
  }
  // An empty window would never fill; a whole day is what `always` says.
  if (start === end) return { error: `the window "${text}" is empty: start and end are the same` };
  return { kind: 'daily', startMin: start, endMin: end };
}

function minutes(hhmm: string): number | undefined {
  const m = HHMM.exec(hhmm);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

export function windowOpen(w: FillWindow, at: Date): boolean {
  if (w.kind === 'always') return true;
  const now = at.getHours() * 60 + at.getMinutes();
  return w.startMin < w.endMin ? now >= w.startMin && now < w.endMin : now >= w.startMin || now < w.endMin;
}

/** The text form, as given to --fill-window. */
export function formatFillWindow(w: FillWindow): string {
  if (w.kind === 'always') return 'always';
  const f = (m: number) =>
    `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  return `${f(w.startMin)}-${f(w.endMin)}`;
}
