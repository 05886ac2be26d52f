import { withTimeout } from './with-timeout';

/** Blocks the event loop, as a long synchronous task or a starved CPU does. */
function stall(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy
  }
}

describe(withTimeout.name, () => {
  it('passes on the result of a promise that settles in time', async () => {
    await expect(withTimeout(Promise.resolve('ok'), 50, 'lookup')).resolves.toBe('ok');
  });

  it('rejects, naming what timed out, when nothing answers', async () => {
    const never = new Promise<string>(() => undefined);
    await expect(withTimeout(never, 20, 'tenant lookup')).rejects.toThrow(
      'tenant lookup timed out after 20 ms',
    );
  });

  it('does not blame the answer for a stalled event loop: both due at once, the answer wins', async () => {
    const answer = new Promise<string>((resolve) => setTimeout(resolve, 10, 'ok'));
    const guarded = withTimeout(answer, 5, 'tenant lookup');
    // Both timers are overdue when the loop comes back; the timeout's fires first.
    stall(60);
    await expect(guarded).resolves.toBe('ok');
  });
});
