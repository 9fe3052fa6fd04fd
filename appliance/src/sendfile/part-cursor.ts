// Cutting a response body (its list of parts) into consecutive pieces: the throttle sends a
// body piece by piece, and a chaos reset sends only the first half of it. Pure.
import type { BodyPart } from './body-sender.js';

/** Walks a part list front to back, handing out the next `n` bytes as parts of their own. */
export class PartCursor {
  private index = 0;
  /** bytes of parts[index] already handed out */
  private offset = 0;
  private left: number;

  constructor(private readonly parts: BodyPart[]) {
    this.left = 0;
    for (const p of parts) this.left += p.kind === 'bytes' ? p.data.length : p.length;
  }

  /** Bytes not handed out yet. */
  get remaining(): number {
    return this.left;
  }

  /** The next `n` bytes (fewer at the end), as parts: slices of buffers, sub-ranges of the file. */
  take(n: number): BodyPart[] {
    const out: BodyPart[] = [];
    let want = Math.min(n, this.left);
    while (want > 0 && this.index < this.parts.length) {
      const part = this.parts[this.index]!;
      const size = part.kind === 'bytes' ? part.data.length : part.length;
      const k = Math.min(want, size - this.offset);
      if (k > 0) {
        out.push(
          part.kind === 'bytes'
            ? { kind: 'bytes', data: part.data.subarray(this.offset, this.offset + k) }
            : { kind: 'file', offset: part.offset + this.offset, length: k },
        );
      }
      this.offset += k;
      want -= k;
      this.left -= k;
      if (this.offset >= size) {
        this.index++;
        this.offset = 0;
      }
    }
    return out;
  }

  /** Everything not handed out yet; the original list itself when nothing was taken. */
  rest(): BodyPart[] {
    if (this.index === 0 && this.offset === 0) {
      this.index = this.parts.length;
      this.left = 0;
      return this.parts;
    }
    return this.take(this.left);
  }
}

/** The first `n` bytes of a body. */
export function truncateParts(parts: BodyPart[], n: number): BodyPart[] {
  return new PartCursor(parts).take(n);
}
