// The nginx anchor's configuration: a stock static-file setup (sendfile on, tcp_nopush on,
// no access log, long keep-alive) serving the appliance's own store files under the same
// URL path, so both servers get byte-identical request streams. Nothing else is tuned.

export interface NginxConfigInput {
  /** Temp directory holding the config, pid, logs and temp paths. */
  readonly dir: string;
  readonly port: number;
  /** Directory whose files are served as /v1/c/{fileId}. */
  readonly root: string;
  /** One worker per core, as `worker_processes auto` would choose on this machine. */
  readonly workers: number;
  /** nginx refuses to run workers as root unless told; only set when we are root. */
  readonly runAsRoot: boolean;
  /** HTTPS (the bench's HTTPS rows): TLS 1.2 and 1.3 with nginx's default ciphers. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
}

// Paths go into the config inside double quotes; anything that could end the quote or the
// directive is refused rather than escaped.
const SAFE_PATH = /^\/[A-Za-z0-9/._-]*$/;

function quotePath(path: string): string {
  if (!SAFE_PATH.test(path)) throw new Error(`path not usable in nginx.conf: ${JSON.stringify(path)}`);
  return `"${path}"`;
}

function under(dir: string, name: string): string {
  return quotePath(`${dir.replace(/\/+$/, '')}/${name}`);
}

export function nginxConfig(input: NginxConfigInput): string {
  if (!Number.isInteger(input.port) || input.port < 1 || input.port > 65535) {
    throw new Error(`bad port ${input.port}`);
  }
  if (!Number.isInteger(input.workers) || input.workers < 1)
    throw new Error(`bad worker count ${input.workers}`);
  const d = input.dir;
  const root = `${input.root.replace(/\/+$/, '')}/`;
  return `${[
    '# Written by ferry bench dataplane; lives only for one run.',
    'daemon off;',
    'master_process on;',
    ...(input.runAsRoot ? ['user root;'] : []),
    `worker_processes ${input.workers};`,
    `pid ${under(d, 'nginx.pid')};`,
    `error_log ${under(d, 'error.log')} warn;`,
    '',
    'events {',
    '  worker_connections 4096;',
    '}',
    '',
    'http {',
    '  access_log off;',
    '  sendfile on;',
    '  tcp_nopush on;',
    '  keepalive_requests 100000;',
    '  keepalive_timeout 65s;',
    '  default_type application/octet-stream;',
    '  types { }',
    `  client_body_temp_path ${under(d, 'client_body')};`,
    `  proxy_temp_path ${under(d, 'proxy')};`,
    `  fastcgi_temp_path ${under(d, 'fastcgi')};`,
    `  uwsgi_temp_path ${under(d, 'uwsgi')};`,
    `  scgi_temp_path ${under(d, 'scgi')};`,
    '',
    '  server {',
    `    listen 127.0.0.1:${input.port}${input.tls ? ' ssl' : ''};`,
    '    server_name bench;',
    ...(input.tls
      ? [
          `    ssl_certificate ${quotePath(input.tls.certFile)};`,
          `    ssl_certificate_key ${quotePath(input.tls.keyFile)};`,
          '    ssl_protocols TLSv1.2 TLSv1.3;',
          '    ssl_session_cache shared:SSL:10m;',
        ]
      : []),
    '    location /v1/c/ {',
    `      alias ${quotePath(root)};`,
    '    }',
    '  }',
    '}',
  ].join('\n')}\n`;
}
