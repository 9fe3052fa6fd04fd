// The S3 client of the origin commands and what its failures mean to an operator. Any
// S3-compatible endpoint works: with --endpoint, requests use path-style URLs
// (`ENDPOINT/BUCKET/KEY`, what MinIO, s3rver and most others expect), and checksums are sent
// only where the API requires them, since stores other than S3 often do not understand the
// SDK's default trailing checksums (aws-chunked bodies).
import { S3Client } from '@aws-sdk/client-s3';
import { FerryError } from '@ferry/protocol';
import { OriginErrors } from './errors.js';

export interface OriginTarget {
  bucket: string;
  /** key prefix without slashes at either end; '' for keys at the bucket's root */
  prefix: string;
  endpoint?: string;
  region?: string;
}

/** `<prefix>/<name>`, or `<name>` with an empty prefix. */
export function objectKey(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}/${name}`;
}

export function describeTarget(t: OriginTarget): string {
  return `s3://${t.bucket}${t.prefix ? `/${t.prefix}` : ''}${t.endpoint ? ` at ${t.endpoint}` : ''}`;
}

/** Credentials from the standard AWS environment variables, and nothing else. */
function envCredentials(env: NodeJS.ProcessEnv) {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) throw new FerryError(OriginErrors.NO_CREDENTIALS);
  return {
    accessKeyId,
    secretAccessKey,
    ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
  };
}

export function originClient(t: OriginTarget, env: NodeJS.ProcessEnv = process.env): S3Client {
  // The SDK warns on every start under Node 20, which this version supports; the warning is
  // about versions not yet released, and would end up in every script's output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  return new S3Client({
    region: t.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    credentials: envCredentials(env),
    ...(t.endpoint ? { endpoint: t.endpoint, forcePathStyle: true } : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // Refused connections fail at once; a silent endpoint after 5 s, not the OS's minutes.
    requestHandler: { connectionTimeout: 5000, requestTimeout: 60_000 },
    maxAttempts: 3,
  });
}

const CREDENTIAL_ERRORS = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'InvalidToken',
  'ExpiredToken',
  'Forbidden',
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
]);

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** An SDK failure as the operator's error: which of the named cases, and where. */
export function originError(err: unknown, t: OriginTarget, what: string): FerryError {
  if (err instanceof FerryError) return err;
  const e = (err ?? {}) as SdkError;
  const status = e.$metadata?.httpStatusCode;
  const where = `${what}, ${describeTarget(t)}`;
  if (e.name === 'NoSuchBucket' || (what.startsWith('HeadBucket') && status === 404)) {
    return new FerryError(OriginErrors.NO_BUCKET, `${t.bucket} (${where})`, { cause: err });
  }
  if ((e.name && CREDENTIAL_ERRORS.has(e.name)) || status === 403) {
    return new FerryError(OriginErrors.CREDENTIALS, `${e.name ?? status}: ${where}`, { cause: err });
  }
  if ((e.code && NETWORK_CODES.has(e.code)) || e.name === 'TimeoutError') {
    return new FerryError(OriginErrors.UNREACHABLE, `${e.code ?? e.name}: ${where}`, { cause: err });
  }
  const name = e.name ?? 'Error';
  return new FerryError(
    OriginErrors.REQUEST,
    `${name}${status ? ` (HTTP ${status})` : ''}${e.message && e.message !== name ? ` ${e.message}` : ''}: ${where}`,
    { cause: err },
  );
}
