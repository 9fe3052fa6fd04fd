// The metric names a PromQL expression reads, so a test can check that alert rules and
// dashboard panels name only series the code exports. A small lexer, not a parser: label
// matchers, grouping label lists, strings, durations, numbers, function names, keywords
// and Grafana's $variables are dropped; what is left are metric names.
const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'inf',
  'nan',
]);

export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\boffset\s+\d+\w*/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ')
    // numbers, 1e+10 as Prometheus prints 10e9 included; not the digits inside a name (p99)
    .replace(/(?<![a-zA-Z0-9_:.])(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?/gi, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const [, word, call] = m;
    if (!word || call || KEYWORDS.has(word.toLowerCase())) continue;
    names.add(word);
  }
  return [...names].sort();
}

/**
 * Metric names in a text exposition: every sample's, and every # TYPE line's (a labelled
 * counter nothing has counted yet shows only its HELP and TYPE lines).
 */
export function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^(?:# TYPE )?([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (m?.[1]) names.add(m[1]);
  }
  return names;
}
