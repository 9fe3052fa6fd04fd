// The dashboard page: the session, the tabs, and the live stream (GET /ui/api/stream) whose
// snapshot every view draws from. A `#token=…` fragment logs in first and is removed from
// the address bar.
import { FleetView } from './fleet.js';
import { OperationsView } from './operations.js';
import { RoutesView } from './routes.js';
import { loadSession, logIn, logOut, tokenFromFragment } from './session.js';
import { SteeringView } from './steering.js';

async function start() {
  const fromUrl = tokenFromFragment();
  if (fromUrl) await logIn(fromUrl).catch(() => location.replace('/ui/login'));
  const session = await loadSession();
  document.getElementById('who').textContent = `${session.name} (${session.role})`;
  document.getElementById('logout').addEventListener('click', () => void logOut());

  const views = {
    fleet: new FleetView(),
    routes: new RoutesView(),
    steering: new SteeringView(),
    operations: new OperationsView(session),
  };
  let current = 'fleet';
  const show = (name) => {
    current = name;
    for (const b of document.querySelectorAll('#tabs button')) {
      b.setAttribute('aria-selected', String(b.dataset.tab === name));
    }
    for (const [n] of Object.entries(views)) document.getElementById(`tab-${n}`).hidden = n !== name;
    views[name].shown?.();
  };
  for (const b of document.querySelectorAll('#tabs button'))
    b.addEventListener('click', () => show(b.dataset.tab));
  views.fleet.onFilter = () => show('fleet');

  const live = document.getElementById('live');
  const stream = new EventSource('/ui/api/stream');
  let lastMs = 0;
  stream.addEventListener('snapshot', (e) => {
    const snap = JSON.parse(e.data);
    lastMs = Date.now();
    live.textContent = 'live';
    live.className = 'live on';
    for (const v of Object.values(views)) v.update(snap);
  });
  stream.addEventListener('error', () => {
    live.textContent = 'reconnecting…';
    live.className = 'live off';
    // A stream refused for an ended session: find out, and go to the login page.
    void loadSession().catch(() => undefined);
  });
  setInterval(() => {
    if (lastMs && Date.now() - lastMs > 5000) {
      live.textContent = `no update for ${Math.round((Date.now() - lastMs) / 1000)} s`;
      live.className = 'live off';
    }
  }, 1000);
  show(
    location.hash === '#routes' || location.hash === '#steering' || location.hash === '#operations'
      ? location.hash.slice(1)
      : current,
  );
}

void start();
