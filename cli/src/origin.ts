// `ferry origin upload|list`: content in an S3 bucket (any S3-compatible endpoint), the origin
// appliances fill from (docs/content-and-store.md, "Origin"). Object keys are
// `<prefix>/<fileId>` and `<prefix>/catalog.json`. Credentials come from the standard AWS
// environment variables. The implementation (and the AWS SDK) loads only when a command runs.
import { type Command, InvalidArgumentError } from 'commander';
import { parsePositiveInt } from './parse.js';

// S3's rules for new bucket names: 3-63 of lower-case letters, digits, dots and hyphens,
// starting and ending with a letter or digit.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PREFIX_SEGMENT = /^[A-Za-z0-9._-]+$/;

export function parseBucket(value: string): string {
  if (!BUCKET.test(value) || value.includes('..'))
    throw new InvalidArgumentError(`expected an S3 bucket name (3-63 of a-z 0-9 . -), got "${value}"`);
  return value;
}

/** `content`, `/a/b/` → `a/b`; '' for the bucket's root. Segments of [A-Za-z0-9._-], no `.`/`..`. */
export function parsePrefix(value: string): string {
  const trimmed = value.replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '';
  for (const seg of trimmed.split('/')) {
    if (!PREFIX_SEGMENT.test(seg) || seg === '.' || seg === '..')
      throw new InvalidArgumentError(
        `expected a key prefix of segments [A-Za-z0-9._-] joined by /, got "${value}"`,
      );
  }
  return trimmed;
}

export function parseEndpoint(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`expected an http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InvalidArgumentError(`expected an http(s) URL, got "${value}"`);
  return value.replace(/\/+$/, '');
}

function parsePartSize(value: string): number {
  const n = parsePositiveInt(value);
  if (n < 5) throw new InvalidArgumentError('S3 parts are at least 5 MiB');
  return n;
}

function withTarget(cmd: Command): Command {
  return cmd
    .requiredOption('--bucket <name>', 'S3 bucket', parseBucket)
    .option(
      '--prefix <prefix>',
      'key prefix: objects are PREFIX/FILEID and PREFIX/catalog.json',
      parsePrefix,
      'content',
    )
    .option(
      '--endpoint <url>',
      'S3-compatible endpoint, e.g. http://127.0.0.1:9000 (path-style requests); default: AWS S3',
      parseEndpoint,
    )
    .option('--region <region>', 'region (default: $AWS_REGION, else us-east-1)');
}

export function registerOrigin(program: Command): void {
  const origin = program
    .command('origin')
    .description('content in an S3 bucket, the origin appliances fill from (credentials: AWS_* env vars)');
  withTarget(
    origin
      .command('upload')
      .description(
        'upload a generated content directory (its files, then catalog.json), each checked against catalog.json; skips objects already there with the same size and sha256',
      ),
  )
    .option('--create-bucket', 'create the bucket when it does not exist', false)
    .option('--concurrency <n>', 'files uploaded at once', parsePositiveInt, 4)
    .option('--part-size <MiB>', 'multipart part size; smaller files go in one PUT', parsePartSize, 16)
    .argument('<dir>', 'content directory (ferry content generate --out DIR)')
    .action(async (dir: string, opts) => {
      const { runOriginUpload } = await import('./origin/upload.js');
      await runOriginUpload({ ...opts, dir, partSizeMib: opts.partSize });
    });
  withTarget(
    origin
      .command('list')
      .description("list the objects under the prefix, and check them against the prefix's catalog.json"),
  ).action(async (opts) => {
    const { runOriginList } = await import('./origin/list.js');
    await runOriginList(opts);
  });
}

/** Defines the origin commands' error catalogue (for the generated error table). */
export async function loadOriginErrors(): Promise<void> {
  await import('./origin/errors.js');
}
