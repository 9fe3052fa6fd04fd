// Reads a response body no faster than the viewer's link: after each chunk the reader
// waits for the token bucket before it pulls the next. While it waits nothing is pulled,
// so undici's body stream fills, undici pauses the socket, the kernel's receive window
// closes and the appliance's writes block — the appliance sees a slow client through TCP
// backpressure, not a fast download followed by a sleep.
import type { TokenBucket } from './token-bucket.js';

export async function readThrottled(
  body: AsyncIterable<unknown>,
  bucket: TokenBucket | undefined,
  onChunk: (bytes: number) => void,
  signal?: AbortSignal,
): Promise<number> {
  let total = 0;
  for await (const chunk of body) {
    const n = (chunk as Buffer).length;
    total += n;
    onChunk(n);
    if (bucket) await bucket.take(n, signal);
  }
  return total;
}
