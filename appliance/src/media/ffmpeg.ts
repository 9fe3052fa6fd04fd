// Running ffmpeg: one child process per call, its stderr kept (the tail goes into the error
// when it fails), a deadline so a wedged encoder cannot hang a generate run, and the two
// failures an operator can act on told apart: ffmpeg not installed, ffmpeg refusing or failing.

import { spawn } from 'node:child_process';
import { FerryError } from '@ferry/protocol';
import { MediaErrors } from '../errors.js';

/** `FERRY_FFMPEG` overrides the binary (a build elsewhere than PATH). */
export function defaultFfmpegPath(): string {
  return process.env.FERRY_FFMPEG ?? 'ffmpeg';
}

const STDERR_KEEP = 8192;
const TAIL_LINES = 12;

function tail(stderr: string): string {
  const lines = stderr.trim().split('\n');
  return lines.slice(-TAIL_LINES).join('\n');
}

/**
 * Runs `ffmpeg args...` to completion. Resolves when it exits 0; rejects with
 * FERRY_ERR_MEDIA_FFMPEG_MISSING when the binary cannot be started, and with
 * FERRY_ERR_MEDIA_FFMPEG_FAILED (exit status and stderr tail in the message) otherwise.
 */
export function runFfmpeg(
  args: readonly string[],
  opts: { ffmpegPath?: string; timeoutMs: number },
): Promise<void> {
  const bin = opts.ffmpegPath ?? defaultFfmpegPath();
  return new Promise((resolve, reject) => {
    let stderr = '';
    let settled = false;
    const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(new FerryError(MediaErrors.FFMPEG_FAILED, `${bin} did not finish within ${opts.timeoutMs} ms`));
    }, opts.timeoutMs);
    function finish(err?: Error): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    }
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEEP);
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'EACCES')
        finish(new FerryError(MediaErrors.FFMPEG_MISSING, `cannot run ${bin} (${err.code})`, { cause: err }));
      else
        finish(
          new FerryError(MediaErrors.FFMPEG_FAILED, `cannot run ${bin}: ${err.message}`, { cause: err }),
        );
    });
    child.on('close', (code, signal) => {
      if (code === 0) finish();
      else
        finish(
          new FerryError(
            MediaErrors.FFMPEG_FAILED,
            `${bin} exited with ${signal ?? `status ${code}`}${stderr ? `:\n${tail(stderr)}` : ' (no stderr)'}`,
          ),
        );
    });
  });
}
