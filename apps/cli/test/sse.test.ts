import { describe, expect, it } from 'vitest';
import { readServerSentEvents } from '../src/sse.js';

function streamOf(chunks: readonly string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(encoder.encode(c));
      controller.close();
    },
  });
}

async function collect(chunks: readonly string[]) {
  const events = [];
  for await (const e of readServerSentEvents(streamOf(chunks))) events.push(e);
  return events;
}

describe('readServerSentEvents', () => {
  it('reads typed events split anywhere across chunks, skipping comments', async () => {
    const text = ': ping\n\nevent: progress\ndata: {"a":1}\n\nevent: end\ndata: {}\n\n';
    const chunks = [...text].map((_, i, all) => (i % 7 === 0 ? all.slice(i, i + 7).join('') : '')).filter((c) => c !== '');
    expect(await collect(chunks)).toEqual([
      { event: 'progress', data: '{"a":1}' },
      { event: 'end', data: '{}' },
    ]);
  });

  it('joins multi-line data, defaults the type to message and accepts CRLF and CR line ends', async () => {
    expect(await collect(['data: one\r\ndata: two\r', '\n\r\nevent: x\rdata:three\r\r'])).toEqual([
      { event: 'message', data: 'one\ntwo' },
      { event: 'x', data: 'three' },
    ]);
  });

  it('drops an event the stream cut off before its blank line', async () => {
    expect(await collect(['event: progress\ndata: {"a":1}\n\nevent: progress\ndata: {"a":'])).toEqual([{ event: 'progress', data: '{"a":1}' }]);
  });
});
