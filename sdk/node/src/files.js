import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** readBounded returns at most max + 1 bytes of the file at path, so that a larger file is told apart unread. */
export function readBounded(path, max) {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(Math.min(fstatSync(fd).size, max) + 1);
    let n = 0;
    for (let got; n < buf.length && (got = readSync(fd, buf, n, buf.length - n, null)) > 0;) n += got;
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}
