// HTTP-date (RFC 9110 §5.6.7): we generate IMF-fixdate only, and accept all three forms a
// recipient is asked to accept (IMF-fixdate, obsolete RFC 850, ANSI C asctime). Whole seconds.

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const DAY_NAMES_LONG = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

const SHORT_DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = `(?:${DAY_NAMES_LONG.join('|')})`;
const MONTH = `(${MONTHS.join('|')})`;
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';

// Day and month names and "GMT" are case-sensitive in the RFC 9110 §5.6.7 grammar.
const IMF_FIXDATE = new RegExp(`^${SHORT_DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
const RFC850_DATE = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
const ASCTIME_DATE = new RegExp(`^${SHORT_DAY} ${MONTH} (\\d{2}| \\d) ${TIME} (\\d{4})$`);

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Formats a time as IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT" (milliseconds dropped). */
export function formatHttpDate(ms: number): string {
  const d = new Date(Math.floor(ms / 1000) * 1000);
  if (Number.isNaN(d.getTime())) throw new RangeError(`not a valid time: ${ms}`);
  const date = `${pad(d.getUTCDate(), 2)} ${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCFullYear(), 4)}`;
  const time = `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  return `${DAY_NAMES[d.getUTCDay()]}, ${date} ${time} GMT`;
}

/**
 * Parses any of the three HTTP-date forms into epoch milliseconds (a multiple of 1000), or
 * undefined when the value is not a valid HTTP-date. `nowMs` resolves RFC 850 two-digit years.
 */
export function parseHttpDate(value: string | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  let m = IMF_FIXDATE.exec(v);
  if (m) return build(Number(m[3]), m[2]!, Number(m[1]), m[4]!, m[5]!, m[6]!);
  m = RFC850_DATE.exec(v);
  if (m) return build(fullYear(Number(m[3]), nowMs), m[2]!, Number(m[1]), m[4]!, m[5]!, m[6]!);
  m = ASCTIME_DATE.exec(v);
  if (m) return build(Number(m[6]), m[1]!, Number(m[2]!.trim()), m[3]!, m[4]!, m[5]!);
  return undefined;
}

// RFC 9110 §5.6.7: a two-digit year that appears more than 50 years in the future means the
// most recent past year with the same last two digits.
function fullYear(twoDigits: number, nowMs: number): number {
  const nowYear = new Date(nowMs).getUTCFullYear();
  let year = Math.floor(nowYear / 100) * 100 + twoDigits;
  if (year > nowYear + 50) year -= 100;
  return year;
}

function build(
  year: number,
  month: string,
  day: number,
  hh: string,
  mm: string,
  ss: string,
): number | undefined {
  const monthIndex = MONTHS.indexOf(month as (typeof MONTHS)[number]);
  const hour = Number(hh);
  const minute = Number(mm);
  // RFC 9110 §5.6.7 allows second 60 (leap second); it is folded into the next minute.
  const second = Number(ss);
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const d = new Date(0);
  // setUTCFullYear, not Date.UTC, so that years 0–99 are not taken as 1900–1999.
  d.setUTCFullYear(year, monthIndex, day);
  if (d.getUTCMonth() !== monthIndex || d.getUTCDate() !== day) return undefined;
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}
