// HLS playlists as text (RFC 8216bis, with Apple's Content Steering): pure builders, no I/O.
// Every URI and attribute value comes in already built; this file only knows the grammar.
import { bitRates, type MediaStream, mediaSegments } from './media-ranges.js';

export interface HlsVariant {
  stream: MediaStream;
  /** the appliance id: the pathway this variant belongs to */
  pathwayId: string;
  /** absolute URI of the variant's media playlist */
  uri: string;
}

export interface MultivariantInput {
  /** absolute URI of the steering manifest (the player appends _HLS_pathway and _HLS_throughput) */
  steeringUri: string;
  /** the pathway to use until the first steering manifest arrives: control's rank 1 */
  defaultPathway: string;
  /** per pathway, best first, one entry per rung */
  variants: HlsVariant[];
}

/** A quoted-string may hold neither a double quote nor a line break (RFC 8216bis 4.2). */
function quoted(value: string): string {
  if (/["\r\n]/.test(value)) throw new TypeError(`not a legal quoted-string: ${JSON.stringify(value)}`);
  return `"${value}"`;
}

function uriLine(uri: string): string {
  if (/[\r\n]/.test(uri) || uri.startsWith('#') || uri === '') throw new TypeError(`not a URI line: ${uri}`);
  return uri;
}

export function multivariantPlaylist(input: MultivariantInput): string {
  const lines = [
    '#EXTM3U',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    `#EXT-X-CONTENT-STEERING:SERVER-URI=${quoted(input.steeringUri)},PATHWAY-ID=${quoted(input.defaultPathway)}`,
  ];
  for (const v of input.variants) {
    const s = v.stream;
    const { peak, average } = bitRates(s);
    const attrs = [`BANDWIDTH=${peak}`, `AVERAGE-BANDWIDTH=${average}`, `CODECS=${quoted(s.codecs)}`];
    if (s.width !== undefined && s.height !== undefined) attrs.push(`RESOLUTION=${s.width}x${s.height}`);
    attrs.push(`PATHWAY-ID=${quoted(v.pathwayId)}`);
    lines.push(`#EXT-X-STREAM-INF:${attrs.join(',')}`, uriLine(v.uri));
  }
  return `${lines.join('\n')}\n`;
}

export interface MediaPlaylistInput {
  stream: MediaStream;
  /** the (signed) URL of the stream's file on one appliance: the init and every segment */
  url: string;
}

/** EXTINF durations: three decimals are exact to the millisecond the catalog carries. */
function seconds(d: number): string {
  return d.toFixed(3);
}

/**
 * A VOD media playlist over one file: EXT-X-MAP names the init segment by byte range, and
 * every media segment is an EXT-X-BYTERANGE of the same URL. Version 6: EXT-X-MAP outside an
 * I-frame playlist needs it (RFC 8216bis 4.4.4.5); byte ranges need 4.
 */
export function mediaPlaylist(input: MediaPlaylistInput): string {
  const { stream, url } = input;
  const segments = mediaSegments(stream);
  // Every EXTINF, rounded to the nearest integer, must not exceed the target (4.4.3.1).
  const target = Math.max(1, ...segments.map((g) => Math.round(g.durationSec)));
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:6',
    `#EXT-X-TARGETDURATION:${target}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    `#EXT-X-MAP:URI=${quoted(url)},BYTERANGE="${stream.initLength}@0"`,
  ];
  for (const g of segments) {
    lines.push(
      `#EXTINF:${seconds(g.durationSec)},`,
      `#EXT-X-BYTERANGE:${g.length}@${g.offset}`,
      uriLine(url),
    );
  }
  lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}
