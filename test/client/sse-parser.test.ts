import { describe, expect, it } from 'vitest';
import { createSseParser } from '../../src/client/sse-parser.ts';

/** Feeds `text` cut into pieces of `size` characters, as a network may deliver it. */
function parseInPieces(text: string, size: number) {
  const parser = createSseParser();
  const events = [];
  for (let at = 0; at < text.length; at += size)
    events.push(...parser.push(text.slice(at, at + size)));
  return events;
}

describe('the Server-Sent Events parser', () => {
  const stream =
    'event: snapshot\ndata: {"a":1}\n\n' +
    ': heartbeat\n\n' +
    'event: progress\r\ndata: {"a":2}\r\n\r\n' +
    'event: progress\rdata: {"a":3}\r\r' +
    'data: line one\ndata:line two\nid: 7\nretry: 100\n\n';
  const expected = [
    { event: 'snapshot', data: '{"a":1}' },
    { event: 'progress', data: '{"a":2}' },
    { event: 'progress', data: '{"a":3}' },
    { event: 'message', data: 'line one\nline two' },
  ];

  it('reads events, skips comments, and accepts LF, CRLF and CR line ends', () => {
    expect(parseInPieces(stream, stream.length)).toEqual(expected);
  });

  it('gives the same events however the text is cut, even between CR and LF', () => {
    for (const size of [1, 2, 3, 5, 7, 13]) expect(parseInPieces(stream, size)).toEqual(expected);
  });

  it('dispatches nothing until the blank line, and nothing for an event without data', () => {
    const parser = createSseParser();
    expect(parser.push('event: progress\ndata: {"a":4}\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ event: 'progress', data: '{"a":4}' }]);
    expect(parser.push('event: progress\n\n')).toEqual([]);
    expect(parser.push('data: after\n\n')).toEqual([{ event: 'message', data: 'after' }]);
  });
});
