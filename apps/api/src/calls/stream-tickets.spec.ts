import { StreamTickets, cookieValue } from './stream-tickets';

describe(StreamTickets.name, () => {
  const key = Buffer.alloc(32, 7);
  let now = 1_000_000;
  const tickets = new StreamTickets(key, 60_000, () => now);

  it('accepts its own ticket with the scope it was issued for, until it expires', () => {
    now = 1_000_000;
    const { ticket, expiresAt } = tickets.issue({ all: false, tenantId: 'acme' });
    expect(expiresAt.getTime()).toBe(1_060_000);
    expect(tickets.verify(ticket)).toEqual({ ok: true, scope: { all: false, tenantId: 'acme' } });
    now = 1_059_999;
    expect(tickets.verify(ticket).ok).toBe(true);
    now = 1_060_000;
    expect(tickets.verify(ticket)).toEqual({ ok: false, reason: expect.stringMatching(/expired/) });
  });

  it('accepts tickets of another process with the same key, not with another key', () => {
    now = 1_000_000;
    const { ticket } = tickets.issue({ all: true });
    expect(new StreamTickets(key, 1, () => now).verify(ticket)).toEqual({
      ok: true,
      scope: { all: true },
    });
    expect(new StreamTickets(Buffer.alloc(32, 8), 1, () => now).verify(ticket).ok).toBe(false);
    expect(new StreamTickets(undefined, 1, () => now).verify(ticket).ok).toBe(false);
  });

  it('refuses altered and malformed tickets', () => {
    now = 1_000_000;
    const { ticket } = tickets.issue({ all: false, tenantId: 'acme' });
    const [body, sig] = ticket.split('.');
    const widened = Buffer.from(
      Buffer.from(body, 'base64url').toString().replace('"acme"', '"*"'),
    ).toString('base64url');
    for (const bad of [
      `${widened}.${sig}`,
      `${body}.`,
      body,
      '',
      '.',
      `${body}.${sig}x`,
      'x'.repeat(2000),
    ]) {
      expect(tickets.verify(bad).ok).toBe(false);
    }
  });
});

describe(cookieValue.name, () => {
  it('finds one cookie among several', () => {
    expect(cookieValue('a=1; vapi_stream_ticket=abc.def; b=2', 'vapi_stream_ticket')).toBe(
      'abc.def',
    );
    expect(cookieValue('a=1', 'vapi_stream_ticket')).toBeUndefined();
    expect(cookieValue(undefined, 'a')).toBeUndefined();
  });
});
