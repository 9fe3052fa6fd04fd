// Route Explorer: search by address (/v1/routes/lookup), the inconsistencies of each site
// (/v1/sites/{site}/route-consistency), the prefixes of a site or appliance page by page
// (/ui/api/routes) and the same rows as CSV (/ui/api/routes.csv).
import { h, replace, say } from './dom.js';
import { api } from './session.js';

const PAGE = 50;

export class RoutesView {
  constructor() {
    this.offset = 0;
    this.scopes = '';
    this.sites = [];
    document.getElementById('lookup-form').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.lookup();
    });
    document.getElementById('routes-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.offset = 0;
      void this.page();
    });
    document.getElementById('routes-scope').addEventListener('change', () => {
      this.offset = 0;
      void this.page();
    });
    document.getElementById('routes-inconsistent').addEventListener('change', () => {
      this.offset = 0;
      void this.page();
    });
    document.getElementById('routes-prev').addEventListener('click', () => {
      this.offset = Math.max(0, this.offset - PAGE);
      void this.page();
    });
    document.getElementById('routes-next').addEventListener('click', () => {
      this.offset += PAGE;
      void this.page();
    });
  }

  update(snap) {
    this.sites = snap.sites.map((s) => s.site);
    const key = JSON.stringify([this.sites, snap.appliances.map((a) => a.id)]);
    if (key === this.scopes) return;
    this.scopes = key;
    const select = document.getElementById('routes-scope');
    const keep = select.value;
    replace(
      select,
      this.sites.map((s) => h('option', { value: `site=${encodeURIComponent(s)}` }, `site ${s}`)),
      snap.appliances.map((a) =>
        h('option', { value: `appliance=${encodeURIComponent(a.id)}` }, `appliance ${a.id}`),
      ),
    );
    if (keep && [...select.options].some((o) => o.value === keep)) select.value = keep;
    this.updateCsvLink();
  }

  shown() {
    void this.consistency();
    void this.page();
  }

  query() {
    const parts = [document.getElementById('routes-scope').value];
    const q = document.getElementById('routes-q').value.trim();
    if (q) parts.push(`q=${encodeURIComponent(q)}`);
    if (document.getElementById('routes-inconsistent').checked) parts.push('inconsistent=true');
    return parts.filter(Boolean).join('&');
  }

  updateCsvLink() {
    document.getElementById('routes-csv').href = `/ui/api/routes.csv?${this.query()}`;
  }

  async page() {
    this.updateCsvLink();
    const body = document.querySelector('#routes-table tbody');
    if (!document.getElementById('routes-scope').value) return;
    try {
      const p = await api('GET', `/ui/api/routes?${this.query()}&offset=${this.offset}&limit=${PAGE}`);
      replace(
        body,
        p.rows.map((r) =>
          h(
            'tr',
            { class: r.missingFrom.length ? 'inconsistent' : '', dataset: { prefix: r.prefix } },
            h('td', {}, r.prefix),
            h('td', {}, r.site),
            h('td', {}, r.heardBy.join(', ')),
            h('td', {}, r.missingFrom.join(', ') || '–'),
          ),
        ),
      );
      const last = Math.min(p.total, p.offset + p.rows.length);
      document.getElementById('routes-page').textContent =
        p.total === 0 ? 'no prefixes' : `${p.offset + 1}–${last} of ${p.total}`;
      document.getElementById('routes-prev').disabled = p.offset === 0;
      document.getElementById('routes-next').disabled = last >= p.total;
    } catch (err) {
      replace(body, h('tr', {}, h('td', { colspan: 4, class: 'error' }, err.message)));
    }
  }

  async consistency() {
    const el = document.getElementById('route-consistency');
    const parts = await Promise.all(
      this.sites.map(async (site) => {
        try {
          const c = await api('GET', `/v1/sites/${encodeURIComponent(site)}/route-consistency`);
          if (c.consistent)
            return h(
              'p',
              { class: 'ok', dataset: { site } },
              `${site}: consistent (${c.prefixes} prefixes on ${c.appliances.length} appliances)`,
            );
          return h(
            'div',
            { class: 'warning', dataset: { site } },
            h(
              'p',
              {},
              `${site}: ${c.differences.length}${c.truncated ? '+' : ''} prefixes not heard by every appliance`,
            ),
            h(
              'ul',
              {},
              c.differences
                .slice(0, 20)
                .map((d) =>
                  h(
                    'li',
                    {},
                    `${d.prefix}: heard by ${d.heardBy.join(', ')}, missing from ${d.missingFrom.join(', ')}`,
                  ),
                ),
            ),
          );
        } catch (err) {
          return h('p', { class: 'error' }, `${site}: ${err.message}`);
        }
      }),
    );
    replace(el, parts.length ? parts : h('p', { class: 'muted' }, 'no sites yet'));
  }

  async lookup() {
    const el = document.getElementById('lookup-result');
    const ip = document.getElementById('lookup-ip').value.trim();
    try {
      const r = await api('GET', `/v1/routes/lookup?ip=${encodeURIComponent(ip)}`);
      if (!r.prefix) {
        replace(
          el,
          h('p', { class: 'warning' }, `${ip}: no prefix covers it (steering uses the fallback sites)`),
        );
        return;
      }
      replace(
        el,
        h(
          'p',
          {},
          `${ip} is in ${r.prefix}, heard by ${r.appliances.map((a) => `${a.id} (${a.site}, ${a.health})`).join(', ')}`,
        ),
        h(
          'ul',
          {},
          r.covering.map((c) => h('li', {}, `${c.prefix}: ${c.applianceIds.join(', ')}`)),
        ),
      );
    } catch (err) {
      say(el, err.message, 'error');
    }
  }
}
