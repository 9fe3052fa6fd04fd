// What the player page (page/player.js) records on window.__ferry and the runner reads with
// `__ferry.snapshot()`: the players' own events, bounded in size. Times are ms since the
// page's time origin (`timeOrigin`, unix ms). The page is plain JavaScript; these types are
// the contract, checked loosely on read (a page that answers something else is an error).

export type PlayerKind = 'hls' | 'dash';

export interface PageStall {
  startMs: number;
  endMs: number;
}

export interface PageSwitch {
  atMs: number;
  /** bits per second of the level/representation now rendered */
  bitrate: number | undefined;
  width: number | undefined;
  height: number | undefined;
  /** the player's first choice, not a switch */
  initial: boolean;
}

export interface PageError {
  atMs: number;
  fatal: boolean;
  /** `hls`, `dash`, `media` (the element's MediaError), `page`, `play` */
  source: string;
  detail: string;
  /** host:port of the request that failed, when the player names one */
  host?: string;
  /** a failed media fragment attempt */
  fragment?: boolean;
}

export interface PageFragment {
  /** when the fragment finished loading */
  atMs: number;
  url: string;
  /** host:port it came from */
  host: string;
  /** HLS PATHWAY-ID or DASH serviceLocation of the fragment, when the manifest has them */
  location: string | undefined;
  kind: string;
  init: boolean;
  bytes: number;
  loadMs: number | undefined;
  mediaSec: number;
  bitrate: number | undefined;
}

export interface PageSteering {
  atMs: number;
  /** `manifest`: a steering answer arrived; `pathway`: fragments now come from another pathway */
  kind: 'manifest' | 'pathway';
  priority?: string[];
  ttl?: number;
  pathway?: string;
}

export interface PageMetrics {
  player: PlayerKind;
  src: string;
  /** `hls.js 1.7.4`, `dash.js 5.2.1` */
  library: string | undefined;
  timeOrigin: number;
  /** when the source was handed to the player */
  sourceAtMs: number | undefined;
  /** first 'playing' minus sourceAtMs */
  startupMs: number | undefined;
  firstPlayingAtMs: number | undefined;
  /** a stall that is still going on started here */
  waitingSinceMs: number | undefined;
  stalls: PageStall[];
  switches: PageSwitch[];
  errors: PageError[];
  fragments: PageFragment[];
  steering: PageSteering[];
  pathway: string | undefined;
  /** entries not kept because their list was full */
  dropped: Record<'fragments' | 'stalls' | 'switches' | 'errors' | 'steering', number>;
  recoveries: number;
  ended: boolean;
  /** the snapshot's moment, and the element's state then */
  atMs: number;
  currentTime: number;
  playedSec: number;
  bufferedEnd: number;
  paused: boolean;
  readyState: number;
  /** frames the element dropped / decoded (getVideoPlaybackQuality): a decoder short of CPU */
  droppedFrames: number;
  totalFrames: number;
}

/** Whether a value read from the page has the shape of PageMetrics (the lists and numbers). */
export function isPageMetrics(v: unknown): v is PageMetrics {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  const lists = ['stalls', 'switches', 'errors', 'fragments', 'steering'];
  return (
    (o['player'] === 'hls' || o['player'] === 'dash') &&
    typeof o['timeOrigin'] === 'number' &&
    typeof o['atMs'] === 'number' &&
    typeof o['currentTime'] === 'number' &&
    lists.every((k) => Array.isArray(o[k]))
  );
}
