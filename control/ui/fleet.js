// Fleet: the counts (click one to filter the table), actionable items with their fixes, the
// sites, and every appliance with its health and why, states, load, disk and heartbeat age.
import { h, replace } from './dom.js';
import { ago, gb, mbps, pct } from './format.js';

const GROUPS = [
  ['healthy', 'Healthy'],
  ['unhealthy', 'Unhealthy'],
  ['draining', 'Draining'],
  ['turning-up', 'Turning up'],
  ['total', 'Total'],
];

export function adminText(a) {
  if (a.admin.drain) return 'drain';
  if (a.admin.maintenance) return a.admin.draining ? 'maintenance (now)' : 'maintenance (planned)';
  return 'in service';
}

export class FleetView {
  constructor() {
    this.filter = 'total';
    this.snap = undefined;
    this.onFilter = undefined;
  }

  update(snap) {
    this.snap = snap;
    this.drawCounts(snap);
    this.drawActions(snap);
    this.drawSites(snap);
    this.drawTable(snap);
  }

  drawCounts(snap) {
    replace(
      document.getElementById('counts'),
      GROUPS.map(([g, label]) =>
        h(
          'button',
          {
            type: 'button',
            class: `count ${g}${this.filter === g ? ' selected' : ''}`,
            dataset: { group: g },
            'aria-pressed': String(this.filter === g),
            on: {
              click: () => {
                this.filter = this.filter === g ? 'total' : g;
                this.update(this.snap);
              },
            },
          },
          h('span', { class: 'n' }, snap.counts[g]),
          h('span', { class: 'label' }, label),
        ),
      ),
    );
  }

  drawActions(snap) {
    const el = document.getElementById('actions');
    if (snap.actions.length === 0) {
      replace(el, h('li', { class: 'ok' }, 'Nothing to act on.'));
      return;
    }
    replace(
      el,
      snap.actions.map((a) =>
        h(
          'li',
          {
            class: a.severity,
            dataset: { kind: a.kind, appliance: a.applianceId ?? '', site: a.site ?? '' },
          },
          h('span', { class: 'what' }, a.text),
          h('span', { class: 'fix' }, `Fix: ${a.fix}`),
        ),
      ),
    );
  }

  drawSites(snap) {
    replace(
      document.getElementById('sites'),
      snap.sites.map((s) => {
        const members = snap.appliances.filter((a) => a.site === s.site);
        const healthy = members.filter((a) => a.group === 'healthy').length;
        return h(
          'div',
          { class: `site ${s.consistent ? 'consistent' : 'inconsistent'}`, dataset: { site: s.site } },
          h('strong', {}, s.site),
          h('span', {}, `${healthy} of ${members.length} healthy`),
          h('span', {}, `${s.prefixes} prefixes`),
          h('span', {}, s.consistent ? 'routes consistent' : `inconsistent: ${s.inconsistent} prefixes`),
          h('span', {}, mbps(members.reduce((n, a) => n + a.loadBps, 0))),
        );
      }),
    );
  }

  drawTable(snap) {
    const rows = snap.appliances.filter((a) => this.filter === 'total' || a.group === this.filter);
    document.getElementById('filter-note').textContent =
      this.filter === 'total' ? '' : `(${this.filter} only: ${rows.length}; click the count again for all)`;
    replace(
      document.querySelector('#fleet-table tbody'),
      rows.map((a) =>
        h(
          'tr',
          { dataset: { appliance: a.id, group: a.group } },
          h('td', {}, a.id),
          h('td', {}, a.site),
          h('td', { class: `health ${a.health}` }, a.health),
          h('td', { class: 'why' }, a.healthReason),
          h('td', { class: 'reported' }, a.reportedState),
          h('td', { class: 'admin' }, adminText(a)),
          h('td', {}, a.capacityBps > 0 ? pct(a.loadBps / a.capacityBps) : '–'),
          h('td', {}, mbps(a.loadBps)),
          h('td', {}, a.connections),
          h('td', {}, `${gb(a.diskUsedBytes)} / ${gb(a.diskSizeBytes)}`),
          h('td', {}, a.routes),
          h('td', {}, a.version),
          h(
            'td',
            { class: 'age', title: new Date(a.lastHeartbeatMs).toString() },
            ago(a.lastHeartbeatMs, snap.nowMs),
          ),
        ),
      ),
    );
  }
}
