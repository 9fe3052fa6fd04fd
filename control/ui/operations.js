// Operations: drain / undrain / maintenance per appliance (control's admin API, operator
// role), fill progress, chaos experiments (start, abort, and the safety rule control answers
// with as the blast-radius check) and the event log. Rows with inputs are built once per
// appliance and only their text cells follow the live snapshot, so typing is not undone.
import { h, replace, say } from './dom.js';
import { adminText } from './fleet.js';
import { ago, fromLocalInput, gb, mbps, toLocalInput, when } from './format.js';
import { api } from './session.js';

/** What each fault needs at least (protocol's checkFaultParams), as a starting point. */
const DEFAULT_PARAMS = {
  latency: { delayMs: 200 },
  throttle: { bytesPerSec: 1_250_000 },
  errors: { fraction: 0.1, mode: '503' },
  'bgp-flap': { downSec: 10 },
};

export class OperationsView {
  constructor(session) {
    this.session = session;
    this.rows = new Map();
    this.snap = undefined;
    this.ids = '';
    this.eventKinds = new Set();
    this.chaosTimer = undefined;
    document.getElementById('chaos-form').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.startChaos();
    });
    document.getElementById('chaos-kind').addEventListener('change', (e) => {
      document.getElementById('chaos-params').value = JSON.stringify(DEFAULT_PARAMS[e.target.value] ?? {});
    });
    document.getElementById('events-form').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.events();
    });
    document.getElementById('chaos-off').hidden = session.chaos;
    document.getElementById('chaos-form').hidden = !session.chaos;
  }

  shown() {
    void this.chaos();
    void this.events();
    clearInterval(this.chaosTimer);
    this.chaosTimer = setInterval(() => {
      if (document.getElementById('tab-operations').hidden) return;
      void this.chaos();
      void this.events();
    }, 3000);
  }

  update(snap) {
    this.snap = snap;
    const ids = snap.appliances.map((a) => a.id).join(',');
    if (ids !== this.ids) {
      this.ids = ids;
      this.rebuildSelects(snap);
    }
    const body = document.querySelector('#ops-table tbody');
    for (const a of snap.appliances) {
      let row = this.rows.get(a.id);
      if (!row) {
        row = this.buildRow(a);
        this.rows.set(a.id, row);
      }
      row.health.textContent = a.health;
      row.health.className = `health ${a.health}`;
      row.reported.textContent = a.reportedState;
      row.admin.textContent = adminText(a);
      row.reason.textContent = a.admin.drain
        ? `${a.admin.drain.reason || 'no reason'} (by ${a.admin.drain.by}, ${ago(a.admin.drain.sinceMs, snap.nowMs)})`
        : a.admin.maintenance
          ? `${when(a.admin.maintenance.startMs)} → ${when(a.admin.maintenance.endMs)}: ${a.admin.maintenance.reason || ''}`
          : '';
      row.drain.hidden = Boolean(a.admin.drain);
      row.undrain.hidden = !a.admin.drain;
      row.cancel.hidden = !a.admin.maintenance;
      if (row.tr.parentNode !== body) body.append(row.tr);
    }
    for (const [id, row] of this.rows) {
      if (!snap.appliances.some((a) => a.id === id)) {
        row.tr.remove();
        this.rows.delete(id);
      }
    }
    this.drawFill(snap);
  }

  buildRow(a) {
    const cell = (cls) => h('td', { class: cls });
    const row = {
      health: cell('health'),
      reported: cell('reported'),
      admin: cell('admin'),
      reason: cell('reason'),
    };
    const reasonInput = h('input', { placeholder: 'reason', maxlength: 200, class: 'reason-input' });
    const act = (label, action, fn) =>
      h('button', { type: 'button', dataset: { action, appliance: a.id }, on: { click: fn } }, label);
    row.drain = act('Drain', 'drain', () =>
      this.write(
        'POST',
        `/v1/appliances/${encodeURIComponent(a.id)}/drain`,
        reasonBody(reasonInput),
        `${a.id}: drain ordered`,
      ),
    );
    row.undrain = act('Undrain', 'undrain', () =>
      this.write(
        'POST',
        `/v1/appliances/${encodeURIComponent(a.id)}/undrain`,
        undefined,
        `${a.id}: back in service`,
      ),
    );
    const now = Date.now();
    const start = h('input', {
      type: 'datetime-local',
      value: toLocalInput(now + 3600_000),
      class: 'mw-start',
    });
    const end = h('input', {
      type: 'datetime-local',
      value: toLocalInput(now + 2 * 3600_000),
      class: 'mw-end',
    });
    const schedule = act('Schedule', 'maintenance', () =>
      this.write(
        'PUT',
        `/v1/appliances/${encodeURIComponent(a.id)}/maintenance`,
        {
          startMs: fromLocalInput(start.value),
          endMs: fromLocalInput(end.value),
          ...reasonBody(reasonInput),
        },
        `${a.id}: maintenance scheduled`,
      ),
    );
    row.cancel = act('Cancel window', 'cancel-maintenance', () =>
      this.write(
        'DELETE',
        `/v1/appliances/${encodeURIComponent(a.id)}/maintenance`,
        undefined,
        `${a.id}: maintenance cancelled`,
      ),
    );
    row.tr = h(
      'tr',
      { dataset: { appliance: a.id } },
      h('td', {}, a.id),
      row.health,
      row.reported,
      row.admin,
      row.reason,
      h('td', {}, h('div', { class: 'cell-row' }, reasonInput, row.drain, row.undrain)),
      h('td', {}, h('div', { class: 'cell-row' }, start, '→', end, schedule, row.cancel)),
    );
    return row;
  }

  async write(method, path, body, done) {
    const status = document.getElementById('ops-status');
    say(status, `${method} ${path}…`);
    try {
      await api(method, path, body);
      say(status, done, 'ok');
    } catch (err) {
      say(
        status,
        err.status === 403
          ? `${err.message} (a viewer token cannot act; log in with an operator token)`
          : err.message,
        'error',
      );
    }
  }

  rebuildSelects(snap) {
    for (const [id, none] of [
      ['chaos-target', undefined],
      ['events-appliance', '(all)'],
    ]) {
      const select = document.getElementById(id);
      const keep = select.value;
      replace(
        select,
        none ? h('option', { value: '' }, none) : null,
        snap.appliances.map((a) => h('option', { value: a.id }, `${a.id} (${a.site})`)),
      );
      if ([...select.options].some((o) => o.value === keep)) select.value = keep;
    }
  }

  drawFill(snap) {
    const rows = snap.appliances.filter((a) => a.fill);
    replace(
      document.querySelector('#fill-table tbody'),
      rows.length === 0
        ? h('tr', {}, h('td', { colspan: 8, class: 'muted' }, 'no appliance fills from an origin'))
        : rows.map((a) =>
            h(
              'tr',
              { dataset: { appliance: a.id } },
              h('td', {}, a.id),
              h('td', {}, `${a.fill.held} / ${a.fill.wanted}`),
              h('td', {}, a.fill.filling),
              h('td', {}, a.fill.failed),
              h('td', {}, gb(a.fill.bytesToGo)),
              h('td', {}, mbps(a.fill.bytesPerSec * 8)),
              h('td', {}, a.fill.etaSec === null ? '–' : `${Math.round(a.fill.etaSec)} s`),
              h('td', {}, a.fill.window),
            ),
          ),
    );
  }

  async startChaos() {
    const status = document.getElementById('chaos-status');
    let params;
    try {
      params = JSON.parse(document.getElementById('chaos-params').value || '{}');
    } catch {
      say(status, 'parameters: not JSON (e.g. {"delayMs":200})', 'error');
      return;
    }
    const body = {
      kind: document.getElementById('chaos-kind').value,
      params,
      target: { appliance: document.getElementById('chaos-target').value },
      durationSec: Number(document.getElementById('chaos-duration').value),
      reason: `from the dashboard by ${this.session.name}`,
    };
    try {
      const exp = await api('POST', '/v1/chaos/experiments', body);
      say(status, `experiment ${exp.id} accepted (${exp.state})`, 'ok');
    } catch (err) {
      if (err.status === 409) say(status, `blast-radius check refused it: ${err.message}`, 'warning');
      else if (err.status === 503) say(status, 'chaos off: control runs without --chaos-key', 'warning');
      else say(status, err.message, 'error');
    }
    void this.chaos();
  }

  async chaos() {
    if (!this.session.chaos) return;
    const body = document.querySelector('#chaos-table tbody');
    try {
      const { experiments } = await api('GET', '/v1/chaos/experiments');
      replace(
        body,
        experiments.slice(0, 50).map((e) =>
          h(
            'tr',
            { class: e.state, dataset: { experiment: e.id } },
            h('td', {}, e.id),
            h('td', {}, e.kind),
            h('td', {}, e.appliances.join(', ') || e.target.appliance || e.target.site || ''),
            h('td', { class: 'state' }, e.state),
            h('td', {}, when(e.startedAtMs ?? e.startAtMs)),
            h('td', {}, when(e.endedAtMs ?? e.endsAtMs)),
            h('td', {}, e.createdBy),
            h(
              'td',
              {},
              e.refusal
                ? `refused by ${e.refusal.rule}: ${e.refusal.message}`
                : (e.abortReason ?? e.reason ?? ''),
            ),
            h(
              'td',
              {},
              e.state === 'running' || e.state === 'planned'
                ? h(
                    'button',
                    {
                      type: 'button',
                      dataset: { action: 'abort', experiment: e.id },
                      on: {
                        click: async () => {
                          try {
                            await api('DELETE', `/v1/chaos/experiments/${encodeURIComponent(e.id)}`);
                            say(document.getElementById('chaos-status'), `experiment ${e.id} aborted`, 'ok');
                          } catch (err) {
                            say(document.getElementById('chaos-status'), err.message, 'error');
                          }
                          void this.chaos();
                        },
                      },
                    },
                    'Abort',
                  )
                : '',
            ),
          ),
        ),
      );
    } catch (err) {
      if (err.status === 503) {
        document.getElementById('chaos-off').hidden = false;
        document.getElementById('chaos-form').hidden = true;
        return;
      }
      replace(body, h('tr', {}, h('td', { colspan: 9, class: 'error' }, err.message)));
    }
  }

  async events() {
    const appliance = document.getElementById('events-appliance').value;
    const kind = document.getElementById('events-kind').value;
    const since = document.getElementById('events-since').value;
    const q = ['limit=300'];
    if (appliance) q.push(`appliance=${encodeURIComponent(appliance)}`);
    if (since) q.push(`since=${Date.now() - Number(since) * 1000}`);
    const body = document.querySelector('#events-table tbody');
    try {
      const { events } = await api('GET', `/v1/events?${q.join('&')}`);
      for (const e of events) this.eventKinds.add(e.kind);
      const select = document.getElementById('events-kind');
      if (select.options.length - 1 !== this.eventKinds.size) {
        replace(
          select,
          h('option', { value: '' }, '(all)'),
          [...this.eventKinds].sort().map((k) => h('option', { value: k }, k)),
        );
        select.value = kind;
      }
      const shown = events.filter((e) => !kind || e.kind === kind).sort((a, b) => b.timeMs - a.timeMs);
      replace(
        body,
        shown.length === 0
          ? h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'no events'))
          : shown.map((e) =>
              h(
                'tr',
                { dataset: { kind: e.kind, appliance: e.applianceId ?? '' } },
                h('td', { title: new Date(e.timeMs).toString() }, `${when(e.timeMs)} (${ago(e.timeMs)})`),
                h('td', {}, e.applianceId ?? ''),
                h('td', {}, e.kind),
                h('td', {}, eventText(e)),
              ),
            ),
      );
    } catch (err) {
      replace(body, h('tr', {}, h('td', { colspan: 4, class: 'error' }, err.message)));
    }
  }
}

function reasonBody(input) {
  const reason = input.value.trim();
  return reason ? { reason } : {};
}

function eventText(e) {
  const parts = [];
  if (e.from || e.to) parts.push(`${e.from ?? '?'} → ${e.to ?? '?'}`);
  if (e.reason) parts.push(e.reason);
  if (e.experimentId) parts.push(`experiment ${e.experimentId}`);
  return parts.join(': ');
}
