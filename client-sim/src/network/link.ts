// A viewer's access link during a session: its bandwidth schedule feeding one token bucket
// (one link, shared by every request of the viewer) and its round-trip time.
import { seededRandom } from '@ferry/protocol';
import { TokenBucket } from './token-bucket.js';
import { BandwidthSchedule, type ViewerNetwork } from './viewer-network.js';

export class AccessLink {
  readonly bucket: TokenBucket;
  readonly rttMs: number;
  private readonly schedule: BandwidthSchedule;
  private readonly startedAt: number;

  constructor(
    readonly network: ViewerNetwork,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.startedAt = now();
    this.schedule = new BandwidthSchedule(network, seededRandom);
    this.rttMs = network.rttMs;
    this.bucket = new TokenBucket(() => this.currentBps(), undefined, now);
  }

  /** The link's bandwidth now, bits per second. */
  currentBps(): number {
    return this.schedule.bpsAt(this.now() - this.startedAt);
  }
}
