// The prefix list `ferry announce --prefixes` reads: one IPv4 or IPv6 prefix per line,
// `#` starts a comment, blank lines are skipped. Every bad line is reported with its number.
import { readFileSync } from 'node:fs';
import { parsePrefix } from '../codec/codec.js';
import type { Prefix } from '../codec/types.js';
import { prefixFileError } from '../errors.js';

/** Errors shown in one message; the rest are counted. */
const SHOWN_ERRORS = 5;

export function parsePrefixList(text: string, source: string): Prefix[] {
  const out: Prefix[] = [];
  const errors: string[] = [];
  let lineNo = 0;
  let errorCount = 0;
  for (const raw of text.split('\n')) {
    lineNo++;
    const hash = raw.indexOf('#');
    const line = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    if (line === '') continue;
    try {
      out.push(parsePrefix(line));
    } catch (err) {
      errorCount++;
      if (errors.length < SHOWN_ERRORS) errors.push(`${source}:${lineNo}: ${(err as Error).message}`);
    }
  }
  if (errorCount > 0) {
    const more = errorCount > errors.length ? `\n(${errorCount - errors.length} more bad lines)` : '';
    throw prefixFileError(`${errors.join('\n')}${more}`);
  }
  return out;
}

export function readPrefixFile(path: string): Prefix[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw prefixFileError(`${path}: cannot read (${(err as Error).message})`);
  }
  return parsePrefixList(text, path);
}
