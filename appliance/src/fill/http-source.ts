// Peer and parent sources: another appliance's data plane (`/v1/c/{fileId}` with the fill
// token control put in the URL), read with undici, resumed with `Range: bytes=N-`.
import type { FillSource, ManifestFile } from '@ferry/protocol';
import { Agent, request } from 'undici';
import { FILL_REQUEST_HEADER } from '../ops/file-traffic.js';
import { checkedStart, type OpenedSource, SourceError } from './source.js';

type UrlSource = Extract<FillSource, { url: string }>;

/** Most bytes of an error answer read for the report (a JSON `{error, message}` is far less). */
const ERROR_BODY_BYTES = 1024;

// Marks the request as a fill, not a viewer (ops/file-traffic.ts).
const FILL_HEADERS = { [FILL_REQUEST_HEADER]: '1' };

export class HttpSources {
  private readonly dispatcher: Agent;

  /**
   * @param headersTimeoutMs how long to wait for an answer's headers (the stall timeout)
   * @param localAddress the address to connect from: control binds a fill token to the host of
   *   this appliance's heartbeat url, so a peer checks the connection comes from there
   */
  constructor(headersTimeoutMs: number, localAddress?: string) {
    // The body's pace is the download's own (rate cap, stall timer: download.ts), so undici
    // must not time out a body the download is not reading on purpose.
    this.dispatcher = new Agent({
      headersTimeout: headersTimeoutMs,
      bodyTimeout: 0,
      keepAliveTimeout: 10_000,
      ...(localAddress ? { localAddress } : {}),
    });
  }

  async open(
    source: UrlSource,
    file: ManifestFile,
    from: number,
    signal: AbortSignal,
  ): Promise<OpenedSource> {
    let url: URL;
    try {
      url = new URL(source.url);
    } catch {
      throw new SourceError(`not a URL: ${source.url.slice(0, 100)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new SourceError(`not an http(s) URL: ${url.protocol}`);
    const res = await request(url, {
      method: 'GET',
      headers: from > 0 ? { range: `bytes=${from}-`, ...FILL_HEADERS } : FILL_HEADERS,
      dispatcher: this.dispatcher,
      signal,
    });
    if (res.statusCode !== 200 && res.statusCode !== 206) {
      const text = await readSome(res.body);
      throw new SourceError(`HTTP ${res.statusCode}${errorCode(text)}`);
    }
    try {
      const header = (name: string) => {
        const v = res.headers[name];
        return Array.isArray(v) ? v[0] : v;
      };
      const length = header('content-length');
      const start = checkedStart(file, from, {
        partial: res.statusCode === 206,
        contentRange: header('content-range'),
        ...(res.statusCode === 200 && length !== undefined ? { length: Number(length) } : {}),
      });
      return { start, body: res.body };
    } catch (err) {
      res.body.destroy();
      throw err;
    }
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }
}

async function readSome(body: AsyncIterable<Uint8Array> & { destroy(): void }): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    chunks.push(Buffer.from(c));
    n += c.length;
    if (n >= ERROR_BODY_BYTES) break;
  }
  body.destroy();
  return Buffer.concat(chunks).subarray(0, ERROR_BODY_BYTES).toString('utf8');
}

/** ` FERRY_ERR_…` from an error body of a Ferry appliance, or ''. */
function errorCode(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    return typeof parsed.error === 'string' ? ` ${parsed.error.slice(0, 64)}` : '';
  } catch {
    return '';
  }
}
