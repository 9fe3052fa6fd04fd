// A static DASH MPD (ISO/IEC 23009-1) with DASH-IF Content Steering, as text: pure, no I/O.
//
// Service locations: a signed token binds the file, the expiry and the client's prefix but not
// the appliance, so one MPD-level BaseURL per appliance (`…/v1/c/`, its @serviceLocation the
// appliance id) and one relative BaseURL per Representation (`{fileId}?{token}`) make every
// appliance × rung URL without repeating the ladder per appliance. dash.js resolves BaseURLs
// level by level: at the MPD level its content-steering selector picks the location the
// steering server ranks first, and a relative BaseURL below is appended to it.
import { bitRates, type MediaStream, mediaSegments } from './media-ranges.js';

export interface ServiceLocation {
  id: string;
  /** absolute, ending in `/v1/c/` */
  baseUrl: string;
}

export interface DashRepresentation {
  stream: MediaStream;
  /** relative to a service location: `{fileId}?{token query}` */
  relativeUrl: string;
}

export interface MpdInput {
  durationSec: number;
  /** best first; the first is defaultServiceLocation */
  locations: ServiceLocation[];
  /** absolute URL of the steering server */
  steeringUrl: string;
  representations: DashRepresentation[];
}

export function xmlEscape(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** xs:duration in seconds, to the millisecond. */
export function isoDuration(sec: number): string {
  return `PT${Number(sec.toFixed(3))}S`;
}

const TIMESCALE = 1000;

/**
 * SegmentTimeline entries in milliseconds, from the rounded running total so rounding never
 * drifts: one S per segment, never folded into @r. dash.js pairs a SegmentList's SegmentURL
 * with the index of the S element, not of the segment (TimelineSegmentsGetter: `list[i]`),
 * so a repeated S would fetch the first segment's range again and again.
 */
function timeline(durations: readonly number[]): string[] {
  let total = 0;
  let t = 0;
  return durations.map((sec, i) => {
    total += sec;
    const next = Math.round(total * TIMESCALE);
    const d = next - t;
    t = next;
    return i === 0 ? `<S t="0" d="${d}"/>` : `<S d="${d}"/>`;
  });
}

function representation(r: DashRepresentation, indent: string): string[] {
  const s = r.stream;
  const attrs = [
    `id="${xmlEscape(s.streamId)}"`,
    `bandwidth="${bitRates(s).peak}"`,
    `codecs="${xmlEscape(s.codecs)}"`,
    'mimeType="video/mp4"',
  ];
  if (s.width !== undefined) attrs.push(`width="${s.width}"`);
  if (s.height !== undefined) attrs.push(`height="${s.height}"`);
  const segments = mediaSegments(s);
  const i2 = `${indent}  `;
  const i3 = `${i2}  `;
  return [
    `${indent}<Representation ${attrs.join(' ')}>`,
    `${i2}<BaseURL>${xmlEscape(r.relativeUrl)}</BaseURL>`,
    `${i2}<SegmentList timescale="${TIMESCALE}">`,
    `${i3}<Initialization range="0-${s.initLength - 1}"/>`,
    `${i3}<SegmentTimeline>`,
    ...timeline(segments.map((g) => g.durationSec)).map((e) => `${i3}  ${e}`),
    `${i3}</SegmentTimeline>`,
    // DASH byte ranges are first-last, both inclusive.
    ...segments.map((g) => `${i3}<SegmentURL mediaRange="${g.offset}-${g.offset + g.length - 1}"/>`),
    `${i2}</SegmentList>`,
    `${indent}</Representation>`,
  ];
}

export function mpd(input: MpdInput): string {
  const first = input.locations[0];
  if (!first) throw new TypeError('an MPD needs at least one service location');
  const maxSeg = Math.max(
    1,
    ...input.representations.flatMap((r) => r.stream.segments.map((g) => g.durationSec)),
  );
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-main:2011" type="static" mediaPresentationDuration="${isoDuration(input.durationSec)}" minBufferTime="${isoDuration(2 * maxSeg)}">`,
    ...input.locations.map(
      (l) => `  <BaseURL serviceLocation="${xmlEscape(l.id)}">${xmlEscape(l.baseUrl)}</BaseURL>`,
    ),
    `  <ContentSteering defaultServiceLocation="${xmlEscape(first.id)}" queryBeforeStart="false">${xmlEscape(input.steeringUrl)}</ContentSteering>`,
    '  <Period id="0" start="PT0S">',
    '    <AdaptationSet id="0" contentType="video" mimeType="video/mp4" segmentAlignment="true" startWithSAP="1">',
    ...input.representations.flatMap((r) => representation(r, '      ')),
    '    </AdaptationSet>',
    '  </Period>',
    '</MPD>',
  ];
  return `${lines.join('\n')}\n`;
}
