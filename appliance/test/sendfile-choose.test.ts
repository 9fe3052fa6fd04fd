// Choosing a body sender, loading the addon, and the checks made before native code runs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, loadSendfileEngine } from '../src/sendfile/binding.js';
import { createBodySender } from '../src/sendfile/choose.js';

const savedEnv = process.env['FERRY_SENDFILE_ADDON'];
afterEach(() => {
  if (savedEnv === undefined) delete process.env['FERRY_SENDFILE_ADDON'];
  else process.env['FERRY_SENDFILE_ADDON'] = savedEnv;
});

describe('loading the sendfile engine', () => {
  it.runIf(process.platform === 'linux')('loads the built addon on Linux', () => {
    const loaded = loadSendfileEngine();
    expect(loaded.ok ? loaded.file : loaded.reason).toMatch(/build\/(Release|Debug)\/ferry_sendfile\.node$/);
  });

  it('says why when an explicit path does not exist', () => {
    process.env['FERRY_SENDFILE_ADDON'] = '/nonexistent/ferry_sendfile.node';
    const loaded = loadSendfileEngine();
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) expect(loaded.reason).toMatch(process.platform === 'linux' ? /not built/ : /Linux-only/);
  });

  it.runIf(process.platform === 'linux')('reports a load error for a file that is not an addon', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-addon-'));
    try {
      const fake = join(dir, 'ferry_sendfile.node');
      writeFileSync(fake, 'not a shared object');
      const loaded = loadSendfileEngine(fake);
      expect(loaded.ok ? 'loaded' : loaded.reason).toMatch(/^load error for/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('createBodySender', () => {
  it('uses the copy path when asked', async () => {
    const { sender, reason } = createBodySender('copy');
    expect(sender.path).toBe('copy');
    expect(reason).toMatch(/requested/);
    await sender.close();
  });

  it("falls back to the copy path on 'auto' when the engine cannot load, and says why", async () => {
    const { sender, reason } = createBodySender('auto', { addonPath: '/nonexistent/ferry_sendfile.node' });
    expect(sender.path).toBe('copy');
    expect(reason).toMatch(/^copy path: /);
    await sender.close();
  });

  it("throws FERRY_ERR_SENDFILE_UNAVAILABLE on 'sendfile' when the engine cannot load", () => {
    expect(() => createBodySender('sendfile', { addonPath: '/nonexistent/ferry_sendfile.node' })).toThrow(
      expect.objectContaining({ code: 'FERRY_ERR_SENDFILE_UNAVAILABLE' }),
    );
  });

  it.runIf(process.platform === 'linux')("uses the engine on 'auto' where it loads", async () => {
    const { sender } = createBodySender('auto');
    expect(sender.path).toBe('sendfile');
    await sender.close();
  });
});

describe.runIf(loadSendfileEngine().ok)('argument checks before native code', () => {
  const loaded = loadSendfileEngine();
  const binding = loaded.ok ? loaded.binding : (undefined as never);

  it('rejects bad engine options', () => {
    const onDone = () => {};
    expect(() => createEngine(binding, { threads: 0, onDone })).toThrow(RangeError);
    expect(() => createEngine(binding, { threads: 1.5, onDone })).toThrow(RangeError);
    expect(() => createEngine(binding, { idleTimeoutMs: -1, onDone })).toThrow(RangeError);
  });

  it('rejects bad submissions with a code, and nothing after close', () => {
    const engine = createEngine(binding, { threads: 1, onDone: () => {} });
    try {
      const code = (f: () => unknown) => {
        try {
          f();
          return 'no error';
        } catch (err) {
          return (err as { code?: string }).code;
        }
      };
      expect(code(() => engine.submit(-1, '/f', []))).toBe('FERRY_SEND_SUBMIT_FAILED');
      expect(code(() => engine.submit(1, '', []))).toBe('FERRY_SEND_INVALID_PARTS');
      expect(code(() => engine.submit(1, '/f\0x', []))).toBe('FERRY_SEND_INVALID_PARTS');
      expect(code(() => engine.submit(1, '/f', [{ kind: 'file', offset: -1, length: 1 }]))).toBe(
        'FERRY_SEND_INVALID_PARTS',
      );
      expect(code(() => engine.submit(1, '/f', [{ kind: 'file', offset: 0, length: 0.5 }]))).toBe(
        'FERRY_SEND_INVALID_PARTS',
      );
      expect(code(() => engine.submit(1, '/f', [{ kind: 'bytes', data: 'x' as never }]))).toBe(
        'FERRY_SEND_INVALID_PARTS',
      );
      // A descriptor number that is not open fails in dup(), before any transfer exists.
      expect(code(() => engine.submit(19_999, '/f', []))).toBe('FERRY_SEND_EBADF');
      expect(engine.stats()).toMatchObject({ submitted: 0, active: 0 });
    } finally {
      engine.close();
    }
    expect(() => engine.submit(1, '/f', [])).toThrow(expect.objectContaining({ code: 'FERRY_SEND_CLOSED' }));
  });

  it('lets the process exit without close() once transfers are done', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-exit-'));
    try {
      const script = join(dir, 'exit.ts');
      const chooseUrl = new URL('../src/sendfile/choose.ts', import.meta.url).href;
      writeFileSync(
        script,
        `import { createServer, get } from 'node:http';
import { createBodySender } from ${JSON.stringify(chooseUrl)};
const { sender } = createBodySender('sendfile', { threads: 2 });
const server = createServer((req, res) => {
  res.writeHead(200, { 'Content-Length': 5 });
  void sender.send(res, ${JSON.stringify(script)}, [{ kind: 'file', offset: 0, length: 5 }]).then((o) => {
    console.log(sender.path, o.ok, o.bytes);
    server.close();
  });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  get({ host: '127.0.0.1', port, agent: false }, (res) => res.resume());
});
`,
      );
      const run = spawnSync(process.execPath, ['--import', 'tsx', script], {
        timeout: 20_000,
        encoding: 'utf8',
      });
      expect(run.error).toBeUndefined();
      expect(run.stdout.trim()).toBe('sendfile true 5');
      expect(run.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
