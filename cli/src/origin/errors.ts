// What `ferry origin upload` and `ferry origin list` can fail with, each named once. These
// are operator-facing (a command's exit), so every status is 500.
import { defineErrors, spec } from '@ferry/protocol';

export const OriginErrors = defineErrors('origin-cli', {
  CONTENT: spec(
    'FERRY_ERR_ORIGIN_CONTENT',
    500,
    'not a generated content directory (catalog.json and one file per stream it names)',
  ),
  CHECKSUM: spec(
    'FERRY_ERR_ORIGIN_CHECKSUM',
    500,
    'files do not match catalog.json (size or sha256); nothing was uploaded',
  ),
  NO_BUCKET: spec(
    'FERRY_ERR_ORIGIN_NO_BUCKET',
    500,
    'the bucket does not exist (--create-bucket creates it)',
  ),
  UNREACHABLE: spec('FERRY_ERR_ORIGIN_UNREACHABLE', 500, 'the S3 endpoint cannot be reached'),
  NO_CREDENTIALS: spec(
    'FERRY_ERR_ORIGIN_NO_CREDENTIALS',
    500,
    'no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones)',
  ),
  CREDENTIALS: spec(
    'FERRY_ERR_ORIGIN_CREDENTIALS',
    500,
    'the S3 endpoint refused the credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)',
  ),
  REQUEST: spec('FERRY_ERR_ORIGIN_REQUEST', 500, 'an S3 request failed'),
});
