// One opener for every kind of source of a manifest: URLs of peers and parents, and the
// origin this appliance was configured with (if any).
import type { FillSource, ManifestFile } from '@ferry/protocol';
import { HttpSources } from './http-source.js';
import { type OriginReader, originReader } from './origin-source.js';
import type { OriginSettings } from './settings.js';
import { type OpenedSource, SourceError, type SourceOpener } from './source.js';

export class FillSources implements SourceOpener {
  private readonly http: HttpSources;
  private readonly origin: OriginReader | undefined;

  constructor(opts: { origin?: OriginSettings; headersTimeoutMs: number; localAddress?: string }) {
    this.http = new HttpSources(opts.headersTimeoutMs, opts.localAddress);
    this.origin = opts.origin ? originReader(opts.origin) : undefined;
  }

  open(source: FillSource, file: ManifestFile, from: number, signal: AbortSignal): Promise<OpenedSource> {
    if (source.kind !== 'origin') return this.http.open(source, file, from, signal);
    if (!this.origin) return Promise.reject(new SourceError('no --origin configured on this appliance'));
    return this.origin.open(source.key, file, from, signal);
  }

  async close(): Promise<void> {
    await Promise.all([this.http.close(), this.origin?.close()]);
  }
}
