#!/usr/bin/env node
// Builds the appliance's sendfile engine (appliance/native) with node-gyp against the
// machine's Node headers. Runs from the root package's postinstall so that a plain
// `npm install` produces it; nothing is downloaded. Off Linux the engine is not built and
// the appliance uses its copy path (see appliance/src/sendfile/binding.ts).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'appliance', 'native');

if (process.platform !== 'linux') {
  console.log(
    `ferry: sendfile engine not built on ${process.platform}; the appliance will use the copy path`,
  );
  process.exit(0);
}

function nodeGypCommand() {
  // npm exports the path of its bundled node-gyp to lifecycle scripts.
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return [process.execPath, fromNpm];
  try {
    const require = createRequire(import.meta.url);
    return [process.execPath, require.resolve('node-gyp/bin/node-gyp.js')];
  } catch {
    // Run outside npm: use the node-gyp that ships inside npm, beside this Node.
    const prefix = dirname(dirname(process.execPath));
    for (const lib of ['lib/node_modules', 'lib64/node_modules']) {
      const bundled = join(prefix, lib, 'npm/node_modules/node-gyp/bin/node-gyp.js');
      if (existsSync(bundled)) return [process.execPath, bundled];
    }
    return ['node-gyp'];
  }
}

// Build against the headers of the Node that runs us (never a download): npm passes its
// nodedir setting to lifecycle scripts; outside npm, use this Node's own install prefix.
function nodeDirArgs() {
  const fromNpm = process.env.npm_config_nodedir;
  if (fromNpm) return [`--nodedir=${fromNpm}`];
  const prefix = dirname(dirname(process.execPath));
  if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) return [`--nodedir=${prefix}`];
  return [];
}

const [cmd, ...pre] = nodeGypCommand();
const result = spawnSync(cmd, [...pre, 'rebuild', '--release', ...nodeDirArgs()], {
  cwd: nativeDir,
  stdio: 'inherit',
});
if (result.status !== 0) {
  console.error('ferry: building the sendfile engine failed (g++/make and Node headers are needed).');
  console.error(
    'ferry: run `npm run build:native` after fixing the toolchain; until then the appliance uses the copy path.',
  );
  process.exit(result.status ?? 1);
}
