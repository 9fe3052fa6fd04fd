// Whether the kernel offers kTLS: the native probe (native/src/ktls.c) asks for the "tls"
// ULP on a loopback TCP pair. Detection only: installing the session's keys (TLS_TX) so the
// sendfile engine could stay zero-copy over TLS is not built, because no kernel here offers
// the ULP to test it on (docs/appliance.md, "HTTPS"). So over TLS bodies take the copy path
// whatever this says; the answer is reported in /v1/status.
import { errnoName, loadSendfileEngine } from '../sendfile/binding.js';

export interface KtlsProbe {
  available: boolean;
  /** why not (or what was seen): the errno name and the step, e.g. ENOENT at setsockopt(TCP_ULP) */
  reason: string;
}

export function probeKtls(addonPath?: string): KtlsProbe {
  const loaded = loadSendfileEngine(addonPath);
  if (!loaded.ok) return { available: false, reason: `no native addon: ${loaded.reason}` };
  if (typeof loaded.binding.ktlsProbe !== 'function') {
    return { available: false, reason: `${loaded.file} has no ktlsProbe() (rebuild: npm run build:native)` };
  }
  const { errno, stage } = loaded.binding.ktlsProbe();
  if (errno === 0) return { available: true, reason: 'the kernel attached the tls ULP to a TCP socket' };
  const name = errnoName(errno);
  const meaning =
    name === 'ENOENT' && stage === 'setsockopt(TCP_ULP)'
      ? ': the kernel has no tls ULP (module tls not loaded or built)'
      : '';
  return { available: false, reason: `${name} at ${stage}${meaning}` };
}
