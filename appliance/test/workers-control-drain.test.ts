// Control's drain order obeyed by a real appliance with --workers 2: every worker drains and
// undrains (support/control-drain-suite.ts).
import { controlDrainSuite } from './support/control-drain-suite.js';

controlDrainSuite({
  name: '--workers 2',
  id: 'drain-w',
  address: '127.0.0.122',
  args: ['--workers', '2'],
  workers: 2,
});
