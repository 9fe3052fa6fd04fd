// Control's drain order obeyed by a real one-process appliance (support/control-drain-suite.ts).
import { controlDrainSuite } from './support/control-drain-suite.js';

controlDrainSuite({ name: 'one process', id: 'drain-1', address: '127.0.0.121', args: [], workers: 1 });
