// Parses a multipart/byteranges body (RFC 9110 §14.6, RFC 2046 §5.1) for assertions.
export interface ParsedPart {
  headers: Record<string, string>;
  body: Buffer;
}

export function parseMultipart(body: Buffer, contentType: string): ParsedPart[] {
  const m = /boundary=("?)([^";]+)\1/.exec(contentType);
  if (!m) throw new Error(`no boundary in ${contentType}`);
  const delimiter = Buffer.from(`--${m[2]}`);
  const parts: ParsedPart[] = [];
  let off = body.indexOf(delimiter);
  for (let guard = 0; off >= 0 && guard < 10_000; guard++) {
    off += delimiter.length;
    if (body.subarray(off, off + 2).toString() === '--') break; // close-delimiter
    if (body.subarray(off, off + 2).toString() !== '\r\n') throw new Error('delimiter not followed by CRLF');
    off += 2;
    const headEnd = body.indexOf('\r\n\r\n', off);
    const headers: Record<string, string> = {};
    for (const line of body.subarray(off, headEnd).toString('latin1').split('\r\n')) {
      const i = line.indexOf(':');
      headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
    }
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(headers['content-range'] ?? '');
    if (!range) throw new Error(`bad Content-Range in part: ${headers['content-range']}`);
    const len = Number(range[2]) - Number(range[1]) + 1;
    const start = headEnd + 4;
    parts.push({ headers, body: body.subarray(start, start + len) });
    off = body.indexOf(delimiter, start + len);
    if (body.subarray(start + len, start + len + 2).toString() !== '\r\n')
      throw new Error('part body not followed by CRLF');
  }
  return parts;
}
