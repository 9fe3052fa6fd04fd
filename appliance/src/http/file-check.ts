// Opens the file behind a response before its headers are written. Once a 200/206 status
// line and Content-Length are out, a file that cannot be read can only be answered by
// closing the connection (an empty or truncated reply, which a player retries against the
// same appliance); found here, it is a 500 with a catalogue error and the file is taken out
// of service. One open + fstat + close per body response, on libuv's thread pool.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** Why the file cannot be served as indexed, or undefined when it can. */
export async function fileProblem(path: string, size: number): Promise<string | undefined> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    // O_NONBLOCK: a FIFO left in the store would otherwise block a pool thread in open().
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const st = await handle.stat();
    if (!st.isFile()) return 'not a regular file';
    if (st.size !== size) return `size ${st.size}, indexed as ${size}`;
    return undefined;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return e.code ?? String(err);
  } finally {
    await handle?.close().catch(() => {});
  }
}
