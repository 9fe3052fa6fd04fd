// The player page's script (no build step): loads hls.js or dash.js from the runner's
// static server, plays ?src= in the page's <video>, and records what the player itself
// reports on window.__ferry. The shape is PageMetrics in ../page-metrics.ts; every list is
// bounded (the oldest entries are kept, later ones only counted) so a long run cannot grow
// the page without end. Times are ms since the page's time origin (performance.now()).
(() => {
  const LIMITS = { fragments: 3000, stalls: 500, switches: 500, errors: 500, steering: 500 };
  const params = new URLSearchParams(location.search);
  const playerName = params.get('player');
  const src = params.get('src');
  // ?buffer=SECONDS: the forward buffer the player aims for (its own default otherwise). A
  // short one makes a player fetch steadily, so an appliance kill meets it mid-download.
  const bufferSec = Number(params.get('buffer')) > 0 ? Number(params.get('buffer')) : undefined;
  const video = document.getElementById('video');
  const status = document.getElementById('status');
  const now = () => performance.now();

  const m = {
    player: playerName,
    src,
    library: undefined,
    timeOrigin: performance.timeOrigin,
    sourceAtMs: undefined,
    startupMs: undefined,
    firstPlayingAtMs: undefined,
    waitingSinceMs: undefined,
    stalls: [],
    switches: [],
    errors: [],
    fragments: [],
    steering: [],
    pathway: undefined,
    dropped: { fragments: 0, stalls: 0, switches: 0, errors: 0, steering: 0 },
    recoveries: 0,
    ended: false,
  };

  const push = (list, entry) => {
    if (m[list].length < LIMITS[list]) m[list].push(entry);
    else m.dropped[list]++;
  };
  const hostOf = (url) => {
    try {
      return new URL(url, location.href).host;
    } catch {
      return '';
    }
  };
  // The pathway (HLS) or service location (DASH) the video fragments come from, recorded when
  // it changes: players do not always announce a move (hls.js keeps the level index when it
  // changes pathway, so no LEVEL_SWITCHED fires).
  const notePathway = (id) => {
    if (!id || id === '.' || id === m.pathway) return;
    push('steering', { atMs: now(), kind: 'pathway', pathway: id });
    m.pathway = id;
  };
  const fatal = (source, detail) => push('errors', { atMs: now(), fatal: true, source, detail });

  // Startup and stalls from the media element, the same for both players: the first
  // 'playing' ends startup; a 'waiting' after it opens a stall that the next 'playing' closes.
  video.addEventListener('playing', () => {
    const t = now();
    if (m.firstPlayingAtMs === undefined) {
      m.firstPlayingAtMs = t;
      m.startupMs = t - (m.sourceAtMs ?? 0);
    }
    if (m.waitingSinceMs !== undefined) {
      push('stalls', { startMs: m.waitingSinceMs, endMs: t });
      m.waitingSinceMs = undefined;
    }
  });
  video.addEventListener('waiting', () => {
    if (m.firstPlayingAtMs !== undefined && m.waitingSinceMs === undefined && !video.seeking) {
      m.waitingSinceMs = now();
    }
  });
  video.addEventListener('ended', () => {
    m.ended = true;
  });
  video.addEventListener('error', () => {
    const e = video.error;
    fatal('media', e ? `MediaError ${e.code}: ${e.message}` : 'MediaError');
  });

  window.__ferry = {
    metrics: m,
    /** A copy the runner reads: the metrics plus the element's state at this moment. */
    snapshot() {
      let played = 0;
      for (let i = 0; i < video.played.length; i++) played += video.played.end(i) - video.played.start(i);
      const b = video.buffered;
      const q = video.getVideoPlaybackQuality ? video.getVideoPlaybackQuality() : undefined;
      return {
        ...m,
        atMs: now(),
        currentTime: video.currentTime,
        playedSec: played,
        bufferedEnd: b.length > 0 ? b.end(b.length - 1) : 0,
        paused: video.paused,
        readyState: video.readyState,
        droppedFrames: q ? q.droppedVideoFrames : 0,
        totalFrames: q ? q.totalVideoFrames : 0,
      };
    },
  };

  const play = () => {
    const p = video.play();
    if (p?.catch)
      p.catch((err) => push('errors', { atMs: now(), fatal: false, source: 'play', detail: String(err) }));
  };

  function startHls() {
    const Hls = window.Hls;
    m.library = `hls.js ${Hls.version}`;
    if (!Hls.isSupported()) return fatal('hls', 'MediaSource not supported');
    const hls = new Hls({
      enableWorker: true,
      ...(bufferSec ? { maxBufferLength: bufferSec, maxMaxBufferLength: bufferSec } : {}),
    });
    const E = Hls.Events;
    let lastLevelBitrate;
    let firstLevel = true;
    hls.on(E.LEVEL_SWITCHED, (_e, d) => {
      const level = hls.levels[d.level];
      const bitrate = level?.bitrate || undefined;
      // Levels cloned per pathway share a bitrate: moving pathway is not a quality switch.
      if (!firstLevel && bitrate === lastLevelBitrate) return;
      push('switches', {
        atMs: now(),
        bitrate,
        width: level?.width,
        height: level?.height,
        initial: firstLevel,
      });
      firstLevel = false;
      lastLevelBitrate = bitrate;
    });
    hls.on(E.FRAG_LOADED, (_e, d) => {
      const f = d.frag;
      const level = f.type === 'main' ? hls.levels[f.level] : undefined;
      const s = f.stats;
      // '.' is hls.js's name for the only pathway of a manifest without steering.
      if (level) notePathway(level.pathwayId);
      push('fragments', {
        atMs: now(),
        url: f.url,
        host: hostOf(f.url),
        location: level?.pathwayId,
        kind: f.type === 'main' ? 'video' : f.type,
        init: f.sn === 'initSegment',
        bytes: s.loaded,
        loadMs: Math.max(0, s.loading.end - s.loading.start),
        mediaSec: f.sn === 'initSegment' ? 0 : f.duration,
        bitrate: level?.bitrate || undefined,
      });
    });
    hls.on(E.STEERING_MANIFEST_LOADED, (_e, d) => {
      push('steering', {
        atMs: now(),
        kind: 'manifest',
        priority: d.steeringManifest['PATHWAY-PRIORITY'],
        ttl: d.steeringManifest.TTL,
      });
    });
    let recoveries = 0;
    hls.on(E.ERROR, (_e, d) => {
      const url = d.frag?.url ?? d.context?.url ?? d.url;
      push('errors', {
        atMs: now(),
        fatal: d.fatal === true,
        source: 'hls',
        detail: `${d.type}/${d.details}${d.response?.code !== undefined ? ` ${d.response.code}` : ''}`,
        host: url ? hostOf(url) : undefined,
        fragment: d.frag !== undefined && d.frag.sn !== 'initSegment',
      });
      // hls.js's documented recovery for fatal errors, a bounded number of times, as a
      // production page would do it; each fatal error stays recorded.
      if (d.fatal && recoveries < 3) {
        recoveries++;
        m.recoveries = recoveries;
        if (d.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
        else if (d.type === Hls.ErrorTypes.NETWORK_ERROR) hls.startLoad();
      }
    });
    hls.attachMedia(video);
    m.sourceAtMs = now();
    hls.loadSource(src);
    hls.on(E.MANIFEST_PARSED, play);
    window.__ferry.hls = hls;
  }

  // dash.js errors that end playback: the manifest cannot be loaded or parsed, nothing in it
  // can play, MediaSource refuses the media. The others (a fragment, init or index download
  // that failed after its retries: 26, 27, 28; a subtitle) are recorded as not fatal, because
  // the player carries on past them, from another service location if it has one.
  const DASH_FATAL = new Set([10, 11, 19, 20, 23, 25, 31, 32, 34, 35]);

  function startDash() {
    const dashjs = window.dashjs;
    const player = dashjs.MediaPlayer().create();
    m.library = `dash.js ${player.getVersion()}`;
    const E = dashjs.MediaPlayer.events;
    player.on(E.QUALITY_CHANGE_RENDERED, (e) => {
      if (e.mediaType !== 'video') return;
      const r = e.newRepresentation ?? {};
      push('switches', {
        atMs: now(),
        bitrate: r.bandwidth,
        width: r.width,
        height: r.height,
        initial: e.oldRepresentation === undefined || e.oldRepresentation === null,
      });
    });
    player.on(E.FRAGMENT_LOADING_COMPLETED, (e) => {
      const r = e.request;
      if (!r || (r.mediaType !== 'video' && r.mediaType !== 'audio')) return;
      const init = r.type === 'InitializationSegment';
      const bytes = r.bytesLoaded || e.response?.byteLength || 0;
      if (e.error) {
        // One failed attempt (dash.js then puts the service location on its blacklist).
        push('errors', {
          atMs: now(),
          fatal: false,
          source: 'dash',
          detail: `fragment load failed ${e.error.message ?? e.error.code ?? ''}`.trim(),
          host: hostOf(r.url),
          fragment: true,
        });
        return;
      }
      if (bytes === 0) return;
      if (r.mediaType === 'video') notePathway(r.serviceLocation);
      const start = r.startDate ? new Date(r.startDate).getTime() : undefined;
      const end = r.endDate ?? r.requestEndDate;
      push('fragments', {
        atMs: now(),
        url: r.url,
        host: hostOf(r.url),
        location: r.serviceLocation ?? undefined,
        kind: r.mediaType,
        init,
        bytes,
        loadMs: start !== undefined && end ? Math.max(0, new Date(end).getTime() - start) : undefined,
        mediaSec: init ? 0 : r.duration,
        bitrate: r.representation?.bandwidth ?? r.bandwidth,
      });
    });
    player.on('contentSteeringRequestCompleted', (e) => {
      const d = e.currentSteeringResponseData ?? {};
      push('steering', {
        atMs: now(),
        kind: 'manifest',
        // dash.js keeps SERVICE-LOCATION-PRIORITY as pathwayPriority (ContentSteeringResponse).
        priority: d.pathwayPriority ?? d['SERVICE-LOCATION-PRIORITY'],
        ttl: d.ttl ?? d.TTL,
      });
    });
    player.on(E.ERROR, (e) => {
      const err = e.error ?? {};
      const code = typeof err.code === 'number' ? err.code : undefined;
      push('errors', {
        atMs: now(),
        fatal: code !== undefined && DASH_FATAL.has(code),
        source: 'dash',
        detail: `${code ?? '?'} ${err.message ?? ''}`.trim(),
        host: err.data?.request?.url ? hostOf(err.data.request.url) : undefined,
        // failed fragment attempts are counted where they fail (above)
        fragment: false,
      });
    });
    player.on(E.PLAYBACK_ERROR, (e) => fatal('dash', `playback error ${e.error?.message ?? ''}`.trim()));
    if (bufferSec) {
      player.updateSettings({
        streaming: {
          buffer: {
            bufferTimeDefault: bufferSec,
            bufferTimeAtTopQuality: bufferSec,
            bufferTimeAtTopQualityLongForm: bufferSec,
          },
        },
      });
    }
    m.sourceAtMs = now();
    player.initialize(video, src, true);
    window.__ferry.dash = player;
  }

  function load(path, then) {
    const s = document.createElement('script');
    s.src = path;
    s.onload = then;
    s.onerror = () => fatal('page', `could not load ${path}`);
    document.head.appendChild(s);
  }

  if (!src || (playerName !== 'hls' && playerName !== 'dash')) {
    fatal('page', 'the page needs ?player=hls|dash&src=URL');
  } else if (playerName === 'hls') {
    load('/lib/hls.min.js', startHls);
  } else {
    load('/lib/dash.all.min.js', startDash);
  }
  setInterval(() => {
    status.textContent = `${m.library ?? ''} t=${video.currentTime.toFixed(1)} frags=${m.fragments.length} stalls=${m.stalls.length}`;
  }, 1000);
})();
