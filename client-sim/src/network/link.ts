// A viewer's access link during a session: its bandwidth schedule feeding one token bucket
// (one link, shared by every request of the viewer) and its round-trip time.
import { seededRandom } from '@ferry/protocol';
import { TokenBucket } from './token-bucket.js';
import { BandwidthSchedule, type ViewerNetwork } from './viewer-network.js';

export class AccessLink {
  readonly bucket: TokenBucket;
  readonly rttMs: number;
  private readonly schedule: BandwidthSchedule;

  constructor(
    readonly network: ViewerNetwork,
    private readonly now: () => number = () => performance.now(),
  ) {
    const t0 = now();
    this.schedule = new BandwidthSchedule(network, seededRandom);
    this.rttMs = network.rttMs;
    this.bucket = new TokenBucket(() => this.schedule.bpsAt(this.now() - t0), undefined, now);
    this.startedAt = t0;
  }

  private readonly startedAt: number;

  /** The link's bandwidth now, bits per second. */
  currentBps(): number {
    return this.schedule.bpsAt(this.now() - this.startedAt);
  }
}
