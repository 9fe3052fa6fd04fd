// kTLS detection (native/src/ktls.c): the probe asks the kernel for the "tls" ULP on a
// loopback TCP pair. The kernel's own list of loaded ULPs is the check: where it names tls
// the probe must find it; elsewhere (this project's machine: no tls ULP) the probe reports
// it unavailable with the errno name and the step. Either way TLS bodies take the copy path.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadSendfileEngine } from '../src/sendfile/binding.js';
import { createBodySender } from '../src/sendfile/choose.js';
import { probeKtls } from '../src/tls/ktls.js';

function loadedUlps(): string[] {
  return readFileSync('/proc/sys/net/ipv4/tcp_available_ulp', 'utf8').trim().split(/\s+/);
}

describe('kTLS detection', () => {
  it('the native addon exports the probe', () => {
    const loaded = loadSendfileEngine();
    if (!loaded.ok) throw new Error(`the native addon must be built for this test: ${loaded.reason}`);
    expect(typeof loaded.binding.ktlsProbe).toBe('function');
  });

  it('agrees with the kernel and names the errno when there is no tls ULP', () => {
    const probe = probeKtls();
    if (loadedUlps().includes('tls')) {
      expect(probe.available).toBe(true);
      return;
    }
    // Not loaded is not the same as absent (setsockopt may load the module); what the probe
    // says must be one or the other, with the reason spelled out.
    if (probe.available) {
      expect(probe.reason).toMatch(/attached the tls ULP/);
    } else {
      expect(probe.reason).toMatch(/^E[A-Z0-9]+ at setsockopt\(TCP_ULP\)/);
    }
  });

  it('reports ENOENT on a kernel without the tls module', () => {
    // The project's machine: no tls module under /lib/modules for the running kernel and
    // none built in (the ULP would then be listed).
    const probe = probeKtls();
    const release = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
    let hasModule = false;
    try {
      const dep = readFileSync(`/lib/modules/${release}/modules.dep`, 'utf8');
      hasModule = /\/tls\.ko(\.[a-z]+)?:/.test(dep);
    } catch {
      hasModule = false;
    }
    if (hasModule || loadedUlps().includes('tls')) {
      expect(probe.reason.length).toBeGreaterThan(0);
      return;
    }
    expect(probe).toEqual({
      available: false,
      reason: 'ENOENT at setsockopt(TCP_ULP): the kernel has no tls ULP (module tls not loaded or built)',
    });
  });

  it('puts TLS bodies on the copy path and refuses --body-sender sendfile with TLS', async () => {
    const ktls = probeKtls();
    const auto = createBodySender('auto', {}, { ktls });
    expect(auto.sender.path).toBe('copy');
    expect(auto.reason).toMatch(/TLS on/);
    await auto.sender.close();
    expect(() => createBodySender('sendfile', {}, { ktls })).toThrow(/speaks TLS/);
    const plain = createBodySender('auto');
    expect(plain.sender.path).toBe('sendfile');
    await plain.sender.close();
  });
});
