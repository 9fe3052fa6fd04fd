import { describe, expect, it } from 'vitest';
import { nginxConfig } from '../src/dataplane/nginx-config.js';

const base = {
  dir: '/tmp/ferry-bench-x/nginx',
  port: 18090,
  root: '/tmp/ferry-bench-x/store/files',
  workers: 2,
  runAsRoot: true,
};

describe('nginxConfig', () => {
  const conf = nginxConfig(base);

  it('runs in the foreground with a master and one worker per core', () => {
    expect(conf).toMatch(/^daemon off;$/m);
    expect(conf).toMatch(/^master_process on;$/m);
    expect(conf).toMatch(/^worker_processes 2;$/m);
    expect(conf).toMatch(/^user root;$/m);
  });

  it('keeps every file it writes inside the temp dir', () => {
    for (const directive of [
      'pid',
      'error_log',
      'client_body_temp_path',
      'proxy_temp_path',
      'fastcgi_temp_path',
      'uwsgi_temp_path',
      'scgi_temp_path',
    ]) {
      expect(conf).toMatch(new RegExp(`^\\s*${directive} "/tmp/ferry-bench-x/nginx/`, 'm'));
    }
    expect(conf).toMatch(/^\s*access_log off;$/m);
  });

  it('uses the stock static-file settings the comparison is about', () => {
    expect(conf).toMatch(/^\s*sendfile on;$/m);
    expect(conf).toMatch(/^\s*tcp_nopush on;$/m);
    expect(conf).toMatch(/^\s*keepalive_requests 100000;$/m);
  });

  it('serves the store files under the appliance URL path, on loopback only', () => {
    expect(conf).toContain('listen 127.0.0.1:18090;');
    expect(conf).toMatch(/location \/v1\/c\/ \{\s+alias "\/tmp\/ferry-bench-x\/store\/files\/";/);
  });

  it('omits user root when not running as root', () => {
    expect(nginxConfig({ ...base, runAsRoot: false })).not.toMatch(/^user /m);
  });

  it('refuses paths that could break out of the config, and bad numbers', () => {
    expect(() => nginxConfig({ ...base, root: '/tmp/a"; include /etc/x' })).toThrow(/not usable/);
    expect(() => nginxConfig({ ...base, dir: 'relative/dir' })).toThrow(/not usable/);
    expect(() => nginxConfig({ ...base, port: 0 })).toThrow(/port/);
    expect(() => nginxConfig({ ...base, workers: 0 })).toThrow(/worker/);
  });
});
