// Steering: decisions per second by class (local hit, content miss, health miss, fallback,
// none) over the last 15 minutes as a chart with time ticks, from /ui/api/steering and then
// each second's sample in the live snapshot; and "where would this address go"
// (/ui/api/where: steering's ranking, unsigned, not counted).
import { h, replace, s, say } from './dom.js';
import { clock } from './format.js';
import { api } from './session.js';

const CLASSES = [
  ['local-hit', 'local hit'],
  ['content-miss', 'content miss'],
  ['health-miss', 'health miss'],
  ['fallback', 'fallback'],
  ['none', 'none'],
];
const RING = 900;
const W = 900;
const H = 260;
const PAD = { l: 48, r: 12, t: 10, b: 28 };

export class SteeringView {
  constructor() {
    this.samples = [];
    this.totals = undefined;
    this.loaded = false;
    document.getElementById('where-form').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.where();
    });
    replace(
      document.getElementById('steering-legend'),
      CLASSES.map(([c, label]) => h('span', { class: `key ${c}` }, label)),
    );
  }

  async shown() {
    if (this.loaded) return;
    try {
      const r = await api('GET', '/ui/api/steering');
      this.loaded = true;
      const newer = this.samples.filter((x) => x.atMs > (r.samples.at(-1)?.atMs ?? 0));
      this.samples = [...r.samples, ...newer].slice(-RING);
      this.totals = r.totals;
      const select = document.getElementById('where-title');
      replace(
        select,
        h('option', { value: '' }, '(any content)'),
        r.titles.map((t) => h('option', { value: t.id }, `${t.id} · ${t.name}`)),
      );
      this.draw();
    } catch (err) {
      say(document.getElementById('steering-totals'), err.message, 'error');
    }
  }

  update(snap) {
    const latest = snap.steering.latest;
    if (latest && latest.atMs > (this.samples.at(-1)?.atMs ?? 0)) {
      this.samples.push(latest);
      if (this.samples.length > RING) this.samples.shift();
    }
    if (!document.getElementById('tab-steering').hidden) this.draw();
  }

  draw() {
    const el = document.getElementById('steering-chart');
    const data = this.samples;
    const now = data.at(-1)?.atMs ?? Date.now();
    const t0 = Math.min(data[0]?.atMs ?? now - 60_000, now - 60_000);
    const max = Math.max(1, ...data.map((x) => Math.max(...CLASSES.map(([c]) => x.counts[c]))));
    const yMax = niceCeil(max);
    const x = (t) => PAD.l + ((t - t0) / Math.max(1, now - t0)) * (W - PAD.l - PAD.r);
    const y = (v) => H - PAD.b - (v / yMax) * (H - PAD.t - PAD.b);
    const parts = [];
    for (let i = 0; i <= 5; i++) {
      const v = (yMax * i) / 5;
      parts.push(s('line', { x1: PAD.l, x2: W - PAD.r, y1: y(v), y2: y(v), class: 'grid' }));
      parts.push(s('text', { x: PAD.l - 6, y: y(v) + 4, class: 'tick', 'text-anchor': 'end' }, fmtRate(v)));
    }
    const step = tickStep(now - t0);
    for (let t = Math.ceil(t0 / step) * step; t <= now; t += step) {
      parts.push(s('line', { x1: x(t), x2: x(t), y1: PAD.t, y2: H - PAD.b, class: 'grid' }));
      parts.push(s('text', { x: x(t), y: H - 8, class: 'tick', 'text-anchor': 'middle' }, clock(t)));
    }
    for (const [c] of CLASSES) {
      if (data.length < 2) break;
      const d = data
        .map((p, i) => `${i ? 'L' : 'M'}${x(p.atMs).toFixed(1)},${y(p.counts[c]).toFixed(1)}`)
        .join('');
      parts.push(s('path', { d, class: `series ${c}` }));
    }
    parts.push(s('text', { x: 4, y: PAD.t + 10, class: 'tick' }, 'per s'));
    replace(
      el,
      s(
        'svg',
        { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'steering decisions per second' },
        parts,
      ),
    );
    const last = data.at(-1);
    const sum = (p) => CLASSES.reduce((n, [c]) => n + p.counts[c], 0);
    const recent = data.slice(-60);
    const perMin = recent.reduce((n, p) => n + sum(p), 0);
    document.getElementById('steering-totals').textContent = last
      ? `last second: ${CLASSES.map(([c, l]) => `${l} ${last.counts[c]}`).join(', ')}; last minute: ${perMin} decisions`
      : 'no samples yet (one a second)';
  }

  async where() {
    const el = document.getElementById('where-result');
    const ip = document.getElementById('where-ip').value.trim();
    const title = document.getElementById('where-title').value;
    try {
      const r = await api(
        'GET',
        `/ui/api/where?ip=${encodeURIComponent(ip)}${title ? `&title=${encodeURIComponent(title)}` : ''}`,
      );
      replace(
        el,
        h(
          'p',
          {},
          r.clientPrefix
            ? `${r.ip} is in ${r.clientPrefix} (covering: ${r.covering.map((c) => `${c.prefix} → ${c.applianceIds.join(', ')}`).join('; ')})`
            : `${r.ip}: no prefix covers it`,
        ),
        h(
          'table',
          { class: 'grid where' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, 'Stream'),
              h('th', {}, 'Decision'),
              h('th', {}, 'Why'),
              h('th', {}, 'Ranked appliances'),
            ),
          ),
          h(
            'tbody',
            {},
            r.streams.map((st) =>
              h(
                'tr',
                { dataset: { decision: st.decision } },
                h('td', {}, st.streamId),
                h('td', { class: `decision ${st.decision}` }, st.decision),
                h('td', {}, st.reason),
                h(
                  'td',
                  {},
                  st.ranked.length
                    ? st.ranked
                        .map(
                          (a, i) =>
                            `${i + 1}. ${a.applianceId} (${a.site}${a.prefix ? `, ${a.prefix}` : ', fallback'})`,
                        )
                        .join('  ')
                    : 'nowhere',
                ),
              ),
            ),
          ),
        ),
        r.truncated ? h('p', { class: 'muted' }, 'more streams than shown') : null,
      );
    } catch (err) {
      say(el, err.message, 'error');
    }
  }
}

function niceCeil(v) {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

function tickStep(spanMs) {
  for (const s of [10_000, 30_000, 60_000, 120_000, 300_000]) if (spanMs / s <= 8) return s;
  return 600_000;
}

function fmtRate(v) {
  return v >= 10 || v === 0 ? v.toFixed(0) : v.toFixed(1);
}
