// forEachLine: the same lines whatever the chunking (every split point of a text with CRLF, UTF-8
// multi-byte characters and no final newline), overlong lines dropped and reported even when they
// span chunks, bounded memory on a file with no newline, cancellation; fileChunks on a real file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileChunks, forEachLine } from './line-reader.js';
import { SymbolCancelledError } from './symbol-errors.js';

const dir = mkdtempSync(path.join(tmpdir(), 'etlscope-lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function linesOf(chunks: Uint8Array[], maxLineBytes?: number) {
  const lines: [number, string][] = [];
  const overlong: [number, number][] = [];
  const count = await forEachLine(chunks, (text, n) => lines.push([n, text]), {
    ...(maxLineBytes !== undefined ? { maxLineBytes } : {}),
    onOverlong: (n, bytes) => overlong.push([n, bytes]),
  });
  return { lines, overlong, count };
}

describe('forEachLine', () => {
  const text = 'FUNC 10 2 0 grüße\r\nPUBLIC 20 0 日本語の名前\n\nlast line without newline €';
  const bytes = Buffer.from(text, 'utf8');
  const expected = text.split('\n').map((l, i) => [i + 1, l.replace(/\r$/, '')] as [number, string]);

  it('gives the same lines for every split into two and three chunks', async () => {
    for (let a = 0; a <= bytes.length; a++) {
      const two = await linesOf([bytes.subarray(0, a), bytes.subarray(a)]);
      expect(two.lines).toEqual(expected);
      const b = Math.min(bytes.length, a + 7);
      const three = await linesOf([bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)]);
      expect(three.lines).toEqual(expected);
    }
  });

  it('gives the same lines one byte at a time', async () => {
    const single = await linesOf(Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)));
    expect(single.lines).toEqual(expected);
    expect(single.count).toBe(4);
  });

  it('drops and reports lines over the limit, wherever the chunks cut them', async () => {
    const long = 'x'.repeat(100);
    const data = Buffer.from(`short\n${long}\nafter\n${long}${long}`, 'utf8');
    for (const size of [1, 7, 64, 99, 100, 101, 1000]) {
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < data.length; at += size) chunks.push(data.subarray(at, at + size));
      const got = await linesOf(chunks, 50);
      expect(got.lines).toEqual([
        [1, 'short'],
        [3, 'after'],
      ]);
      expect(got.overlong).toEqual([
        [2, 100],
        [4, 200],
      ]);
    }
  });

  it('counts UTF-8 bytes, not characters, against the limit', async () => {
    const got = await linesOf([Buffer.from('€€€€€€€€€€\n€€€\n', 'utf8')], 12); // 30 bytes, then 9
    expect(got.overlong).toEqual([[1, 30]]);
    expect(got.lines).toEqual([[2, '€€€']]);
  });

  it('reports a file with no newline as one overlong line, read in 64 KiB chunks', async () => {
    const file = path.join(dir, 'no-newline.bin');
    writeFileSync(file, Buffer.alloc(8 * 1024 * 1024, 0x41));
    const got = await linesOf([], 1024);
    expect(got.count).toBe(0);
    const overlong: number[] = [];
    const count = await forEachLine(fileChunks(file, 64 * 1024), () => expect.unreachable(), {
      maxLineBytes: 1024,
      onOverlong: (_n, b) => overlong.push(b),
    });
    expect(count).toBe(1);
    expect(overlong).toEqual([8 * 1024 * 1024]);
  });

  it('stops with SymbolCancelledError when the signal fires', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      forEachLine([Buffer.from('a\n')], () => undefined, { signal: controller.signal, origin: 'x.sym' }),
    ).rejects.toThrow(SymbolCancelledError);
  });

  it('reads a real file through fileChunks exactly', async () => {
    const file = path.join(dir, 'lines.txt');
    const content =
      Array.from({ length: 5000 }, (_, i) => `line ${i} ${'é'.repeat(i % 13)}`).join('\n') + '\n';
    writeFileSync(file, content);
    const lines: string[] = [];
    await forEachLine(fileChunks(file, 777), (t) => lines.push(t));
    expect(lines).toEqual(content.split('\n').slice(0, -1));
  });
});
