import { encodeFrame, HEARTBEAT_FRAME } from './sse-frame';
import { asChunk, chunkPayloads } from './sse-transport';

describe('asChunk', () => {
  it.each([
    ['a heartbeat', HEARTBEAT_FRAME],
    [
      'an entry',
      encodeFrame({ id: 7, type: 'post', data: JSON.stringify({ body: 'é'.repeat(300) }) }),
    ],
  ])('should wrap %s as one HTTP/1.1 chunk of its byte length', (_name, frame) => {
    const chunk = asChunk(frame);
    const header = `${frame.length.toString(16)}\r\n`;

    expect(chunk.subarray(0, header.length).toString('latin1')).toBe(header);
    expect(chunk.subarray(header.length, -2).equals(frame)).toBe(true);
    expect(chunk.subarray(-2).toString('latin1')).toBe('\r\n');
    expect(chunkPayloads(chunk)).toEqual([frame]);
  });

  it('should find the frames of chunks joined one after another', () => {
    const frames = [
      encodeFrame({ id: 1, type: 'post', data: '{"body":"Kick-off"}' }),
      encodeFrame({ id: 2, type: 'update', data: JSON.stringify({ body: 'é'.repeat(300) }) }),
      encodeFrame({ type: 'readers', data: '{"readers":3}' }),
    ];

    expect(chunkPayloads(Buffer.concat(frames.map(asChunk)))).toEqual(frames);
  });
});
