// A plain-text table that fits the terminal: columns as wide as their widest cell, and when
// the rows are wider than the terminal the columns marked `shrink` give up width first, their
// cells cut with an ellipsis. Pipes (no terminal) get the full width.

export interface Column {
  title: string;
  /** right-aligned (numbers) */
  right?: boolean;
  /** may be cut to fit the terminal */
  shrink?: boolean;
}

const GAP = '  ';
const MIN_SHRUNK = 8;

export function renderTable(columns: Column[], rows: string[][], width?: number): string {
  const widths = columns.map((c, i) => Math.max(c.title.length, ...rows.map((r) => (r[i] ?? '').length)));
  if (width !== undefined) {
    let over = widths.reduce((a, b) => a + b, 0) + GAP.length * (columns.length - 1) - width;
    // The widest shrinkable column gives first, down to MIN_SHRUNK characters.
    while (over > 0) {
      let best = -1;
      for (let i = 0; i < columns.length; i++) {
        if (columns[i]!.shrink && widths[i]! > MIN_SHRUNK && (best < 0 || widths[i]! > widths[best]!))
          best = i;
      }
      if (best < 0) break;
      const give = Math.min(over, widths[best]! - MIN_SHRUNK);
      widths[best]! -= give;
      over -= give;
    }
  }
  const cell = (text: string, i: number) => {
    const w = widths[i]!;
    const t = text.length > w ? `${text.slice(0, Math.max(0, w - 1))}…` : text;
    return columns[i]!.right ? t.padStart(w) : t.padEnd(w);
  };
  const line = (r: string[]) =>
    r
      .map((t, i) => cell(t, i))
      .join(GAP)
      .trimEnd();
  return `${[line(columns.map((c) => c.title)), ...rows.map(line)].join('\n')}\n`;
}
