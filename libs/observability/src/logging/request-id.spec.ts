import type { IncomingMessage } from 'node:http';
import { requestIdOf } from './request-id';

const request = (headers: Record<string, string | string[]> = {}): IncomingMessage =>
  ({ headers }) as unknown as IncomingMessage;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe(requestIdOf.name, () => {
  it('keeps a sane incoming x-request-id', () => {
    expect(requestIdOf(request({ 'x-request-id': 'trace-01HZX:42' }))).toBe('trace-01HZX:42');
  });

  it('takes the first of repeated headers', () => {
    expect(requestIdOf(request({ 'x-request-id': ['first', 'second'] }))).toBe('first');
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['too long', 'a'.repeat(129)],
    ['with spaces', 'a b'],
    ['with a newline', 'abc\n{"level":50}'],
    ['with quotes', '"abc"'],
  ])('replaces an %s id with a random UUID', (_label, value) => {
    const id = requestIdOf(request(value === undefined ? {} : { 'x-request-id': value }));
    expect(id).toMatch(UUID);
  });

  it('returns the same id every time for one request, and different ids across requests', () => {
    const req = request();
    const first = requestIdOf(req);
    expect(requestIdOf(req)).toBe(first);
    expect(requestIdOf(request())).not.toBe(first);
  });
});
