// The body senders' catalogue. Operator-facing: `--body-sender sendfile` asks for the native
// engine and refuses to start without it, rather than quietly falling back to the copy path.
import { defineErrors, spec } from '@ferry/protocol';

export const SendfileErrors = defineErrors('sendfile', {
  UNAVAILABLE: spec(
    'FERRY_ERR_SENDFILE_UNAVAILABLE',
    500,
    'the sendfile engine was requested but cannot be used',
  ),
});
