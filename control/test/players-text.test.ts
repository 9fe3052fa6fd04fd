// The players' wire formats, pure: the HLS multivariant and media playlists (RFC 8216bis with
// Apple's Content Steering), the DASH MPD (ISO/IEC 23009-1, DASH-IF Content Steering) and the
// steering manifests. Every line is checked against the grammar, and every byte range against
// the catalog: the init segment is [0, initLength), segment 0's media starts at initLength.
import { catalogFixture } from '@ferry/harness';
import { parseCatalog } from '@ferry/protocol';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { mpd } from '../src/players/dash-text.js';
import { mediaPlaylist, multivariantPlaylist } from '../src/players/hls-text.js';
import { isMediaStream, type MediaStream, mediaSegments } from '../src/players/media-ranges.js';
import { steeringManifest } from '../src/players/steering-manifest.js';

/** A real-media rung as the catalog validates it (segment lengths in bytes, 4 s each but the last). */
function rung(streamId: string, lengths: number[], initLength: number, height: number): MediaStream {
  const cat = catalogFixture({
    titleId: 'movie',
    streamId,
    segmentLengths: lengths,
    stream: { codecs: 'avc1.64001f', initLength, width: (height * 16) / 9, height, bitrate: 1_000_000 },
  });
  // The last segment is shorter: 4, 4, 2.5 s.
  const segs = cat.titles[0]!.streams[0]!.segments;
  segs[segs.length - 1]!.durationSec = 2.5;
  cat.titles[0]!.durationSec = 4 * (segs.length - 1) + 2.5;
  const s = parseCatalog(cat).titles[0]!.streams[0]!;
  if (!isMediaStream(s)) throw new Error('fixture is not media');
  return s;
}

const LOW = rung('movie-360', [50_000, 40_000, 30_000], 1200, 360);
const HIGH = rung('movie-720', [200_000, 180_000, 90_000], 1300, 720);

// RFC 8216bis 4.2: AttributeName=AttributeValue pairs, comma-separated.
const ATTRIBUTE = /^([A-Z0-9-]+)=("[^"\r\n]*"|0x[0-9A-Fa-f]+|-?\d+(?:\.\d+)?|\d+x\d+|[^",\s]+)(?:,|$)/;

function attributes(list: string): Map<string, string> {
  const out = new Map<string, string>();
  let rest = list;
  while (rest !== '') {
    const m = ATTRIBUTE.exec(rest);
    expect(m, `attribute list at "${rest}"`).not.toBeNull();
    expect(out.has(m![1]!), `duplicate ${m![1]}`).toBe(false);
    out.set(m![1]!, m![2]!);
    rest = rest.slice(m![0].length);
  }
  return out;
}

const unquote = (v: string | undefined) => {
  expect(v).toMatch(/^"[^"]*"$/);
  return v!.slice(1, -1);
};

describe('HLS multivariant playlist', () => {
  const text = multivariantPlaylist({
    steeringUri: 'http://control.test:8080/v1/titles/movie/steering/hls',
    defaultPathway: 'east-1',
    variants: ['east-1', 'west-2'].flatMap((p) =>
      [LOW, HIGH].map((stream) => ({
        stream,
        pathwayId: p,
        uri: `http://control.test:8080/v1/titles/movie/hls/${p}/${stream.streamId}.m3u8`,
      })),
    ),
  });
  const lines = text.split('\n');

  it('is EXTM3U, newline-terminated, one tag or URI per line', () => {
    expect(lines[0]).toBe('#EXTM3U');
    expect(text.endsWith('\n')).toBe(true);
    expect(lines.at(-1)).toBe('');
    for (const line of lines.slice(0, -1)) {
      expect(line, 'no blank or stray lines').not.toBe('');
      if (line.startsWith('#')) expect(line).toMatch(/^#EXT[A-Z0-9-]*(:.*)?$/);
      else expect(() => new URL(line)).not.toThrow();
    }
  });

  it('names the steering server and the rank-1 pathway', () => {
    const tag = lines.filter((l) => l.startsWith('#EXT-X-CONTENT-STEERING:'));
    expect(tag).toHaveLength(1);
    const a = attributes(tag[0]!.slice('#EXT-X-CONTENT-STEERING:'.length));
    expect(unquote(a.get('SERVER-URI'))).toBe('http://control.test:8080/v1/titles/movie/steering/hls');
    expect(unquote(a.get('PATHWAY-ID'))).toBe('east-1');
  });

  it('has one variant per rung per pathway, each followed by its media playlist URI', () => {
    const variants: { attrs: Map<string, string>; uri: string }[] = [];
    lines.forEach((l, i) => {
      if (l.startsWith('#EXT-X-STREAM-INF:')) {
        variants.push({ attrs: attributes(l.slice('#EXT-X-STREAM-INF:'.length)), uri: lines[i + 1]! });
      }
    });
    expect(variants).toHaveLength(4);
    for (const v of variants) {
      const pathway = unquote(v.attrs.get('PATHWAY-ID'));
      expect(pathway).toMatch(/^[A-Za-z0-9._-]+$/);
      expect(v.attrs.get('BANDWIDTH')).toMatch(/^\d+$/);
      expect(v.attrs.get('AVERAGE-BANDWIDTH')).toMatch(/^\d+$/);
      expect(Number(v.attrs.get('AVERAGE-BANDWIDTH'))).toBeLessThanOrEqual(Number(v.attrs.get('BANDWIDTH')));
      expect(unquote(v.attrs.get('CODECS'))).toBe('avc1.64001f');
      expect(v.attrs.get('RESOLUTION')).toMatch(/^\d+x\d+$/);
      expect(v.uri.startsWith('#')).toBe(false);
      expect(v.uri).toContain(`/hls/${pathway}/`);
    }
    // Peak: segment 1 of the 720p rung is 180 000 bytes in 4 s, segment 0 200 000 (with init).
    const high = variants.find((v) => v.uri.endsWith('/east-1/movie-720.m3u8'))!;
    expect(Number(high.attrs.get('BANDWIDTH'))).toBe(400_000);
    expect(Number(high.attrs.get('AVERAGE-BANDWIDTH'))).toBe(Math.ceil((470_000 * 8) / 10.5));
  });

  it('refuses values that would break the grammar', () => {
    expect(() =>
      multivariantPlaylist({ steeringUri: 'http://x/"', defaultPathway: 'a', variants: [] }),
    ).toThrow(TypeError);
  });
});

describe('HLS media playlist', () => {
  const url = 'http://10.0.0.5:8080/v1/c/movie-720?t=tok&p=10.0.0.0%2F8';
  const text = mediaPlaylist({ stream: HIGH, url });
  const lines = text.split('\n').slice(0, -1);

  it('is a version 6 VOD playlist with an integer target duration and an end', () => {
    expect(lines.slice(0, 6)).toEqual([
      '#EXTM3U',
      '#EXT-X-VERSION:6',
      '#EXT-X-TARGETDURATION:4',
      '#EXT-X-MEDIA-SEQUENCE:0',
      '#EXT-X-PLAYLIST-TYPE:VOD',
      '#EXT-X-INDEPENDENT-SEGMENTS',
    ]);
    expect(lines.at(-1)).toBe('#EXT-X-ENDLIST');
    expect(text.endsWith('#EXT-X-ENDLIST\n')).toBe(true);
  });

  it('maps the init segment by byte range', () => {
    const map = lines[6]!;
    expect(map.startsWith('#EXT-X-MAP:')).toBe(true);
    const a = attributes(map.slice('#EXT-X-MAP:'.length));
    expect(unquote(a.get('URI'))).toBe(url);
    expect(unquote(a.get('BYTERANGE'))).toBe(`${HIGH.initLength}@0`);
  });

  it('lists every segment as EXTINF, BYTERANGE, URI, contiguous from initLength to the end', () => {
    const body = lines.slice(7, -1);
    expect(body.length).toBe(3 * HIGH.segments.length);
    let next = HIGH.initLength;
    for (let i = 0; i < HIGH.segments.length; i++) {
      const [inf, range, uri] = body.slice(3 * i, 3 * i + 3);
      const m = /^#EXTINF:(\d+\.\d{3}),$/.exec(inf!);
      expect(m, inf).not.toBeNull();
      expect(Number(m![1])).toBe(HIGH.segments[i]!.durationSec);
      expect(Math.round(Number(m![1]))).toBeLessThanOrEqual(4);
      const r = /^#EXT-X-BYTERANGE:(\d+)@(\d+)$/.exec(range!);
      expect(r, range).not.toBeNull();
      const [len, off] = [Number(r![1]), Number(r![2])];
      expect(off).toBe(next);
      const seg = HIGH.segments[i]!;
      expect(off + len).toBe(seg.start + seg.length);
      next = off + len;
      expect(uri).toBe(url);
    }
    expect(next).toBe(HIGH.size);
  });

  it('rounds the target duration up to cover a segment that rounds up', () => {
    const long = rung('long', [50_000, 40_000], 100, 360);
    long.segments[0]!.durationSec = 4.6;
    expect(mediaPlaylist({ stream: long, url }).split('\n')[2]).toBe('#EXT-X-TARGETDURATION:5');
  });
});

describe('media ranges', () => {
  it('start segment 0 at initLength and keep the others as the catalog has them', () => {
    const segs = mediaSegments(LOW);
    expect(segs[0]).toEqual({ offset: 1200, length: 50_000 - 1200, durationSec: 4 });
    expect(segs[1]).toEqual({ offset: 50_000, length: 40_000, durationSec: 4 });
    expect(segs[2]).toEqual({ offset: 90_000, length: 30_000, durationSec: 2.5 });
  });
});

describe('DASH MPD', () => {
  const text = mpd({
    durationSec: 10.5,
    locations: [
      { id: 'east-1', baseUrl: 'http://10.0.0.5:8080/v1/c/' },
      { id: 'west-2', baseUrl: 'http://10.9.0.5:8080/v1/c/' },
    ],
    steeringUrl: 'http://control.test:8080/v1/titles/movie/steering/dash',
    representations: [LOW, HIGH].map((stream) => ({
      stream,
      relativeUrl: `${stream.streamId}?t=tok&p=10.0.0.0%2F8`,
    })),
  });
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    isArray: (name) => ['BaseURL', 'Representation', 'SegmentURL', 'S'].includes(name),
  });

  it('is well-formed XML', () => {
    expect(XMLValidator.validate(text)).toBe(true);
  });

  // biome-ignore lint/suspicious/noExplicitAny: the parsed tree is checked field by field
  const doc: any = parser.parse(text);
  const root = doc.MPD;

  it('is a static MPD with its duration, min buffer time and namespace', () => {
    expect(root['@xmlns']).toBe('urn:mpeg:dash:schema:mpd:2011');
    expect(root['@type']).toBe('static');
    expect(root['@mediaPresentationDuration']).toBe('PT10.5S');
    expect(root['@minBufferTime']).toMatch(/^PT\d+(\.\d+)?S$/);
  });

  it('has one service location per appliance and ContentSteering naming the first', () => {
    expect(root.BaseURL.map((b: { '@serviceLocation': string }) => b['@serviceLocation'])).toEqual([
      'east-1',
      'west-2',
    ]);
    expect(root.BaseURL[0]['#text']).toBe('http://10.0.0.5:8080/v1/c/');
    expect(root.ContentSteering['@defaultServiceLocation']).toBe('east-1');
    expect(root.ContentSteering['@queryBeforeStart']).toBe('false');
    expect(root.ContentSteering['#text']).toBe('http://control.test:8080/v1/titles/movie/steering/dash');
  });

  it('has one video AdaptationSet with a Representation per rung, byte ranges as in the catalog', () => {
    const set = root.Period.AdaptationSet;
    expect(set['@contentType']).toBe('video');
    expect(set.Representation).toHaveLength(2);
    for (const [i, stream] of [LOW, HIGH].entries()) {
      const rep = set.Representation[i];
      expect(rep['@id']).toBe(stream.streamId);
      expect(Number(rep['@bandwidth'])).toBeGreaterThan(0);
      expect(rep['@codecs']).toBe('avc1.64001f');
      expect(rep['@mimeType']).toBe('video/mp4');
      expect(Number(rep['@height'])).toBe(stream.height);
      expect(Number(rep['@width'])).toBe(stream.width);
      // The parser unescapes &amp;: the relative URL is the query as built.
      expect(rep.BaseURL[0]).toBe(`${stream.streamId}?t=tok&p=10.0.0.0%2F8`);
      const list = rep.SegmentList;
      expect(list.Initialization['@range']).toBe(`0-${stream.initLength - 1}`);
      const ranges = list.SegmentURL.map((u: { '@mediaRange': string }) =>
        u['@mediaRange'].split('-').map(Number),
      );
      expect(ranges).toHaveLength(stream.segments.length);
      let next = stream.initLength;
      for (const [first, last] of ranges) {
        expect(first).toBe(next);
        next = last + 1;
      }
      expect(next).toBe(stream.size);
      const timescale = Number(list['@timescale']);
      const total = list.SegmentTimeline.S.reduce(
        (sum: number, s: { '@d': string; '@r'?: string }) =>
          sum + Number(s['@d']) * (1 + Number(s['@r'] ?? 0)),
        0,
      );
      expect(total / timescale).toBe(10.5);
      expect(list.SegmentTimeline.S[0]['@t']).toBe('0');
      // One S per SegmentURL, no @r: dash.js pairs them by the S element's index.
      expect(list.SegmentTimeline.S).toHaveLength(list.SegmentURL.length);
      for (const e of list.SegmentTimeline.S) expect(e['@r']).toBeUndefined();
    }
  });

  it('escapes what XML needs escaped', () => {
    expect(text).toContain('?t=tok&amp;p=');
    expect(text).not.toMatch(/&(?!amp;|lt;|gt;|quot;|apos;)/);
  });
});

describe('steering manifests', () => {
  it('carries VERSION, TTL, RELOAD-URI and the priority under the protocol key', () => {
    const hls = JSON.parse(
      steeringManifest({ protocol: 'hls', ttlSec: 10, reloadUri: 'http://c/s/hls', priority: ['b', 'a'] }),
    );
    expect(hls).toEqual({
      VERSION: 1,
      TTL: 10,
      'RELOAD-URI': 'http://c/s/hls',
      'PATHWAY-PRIORITY': ['b', 'a'],
    });
    const dash = JSON.parse(
      steeringManifest({ protocol: 'dash', ttlSec: 2, reloadUri: 'http://c/s/dash', priority: ['a'] }),
    );
    expect(dash).toEqual({
      VERSION: 1,
      TTL: 2,
      'RELOAD-URI': 'http://c/s/dash',
      'SERVICE-LOCATION-PRIORITY': ['a'],
      // the key dash.js reads
      'PATHWAY-PRIORITY': ['a'],
    });
  });
});
