import fc from 'fast-check';
import { normalizeWebhook } from '@app/vapi';
import { canonicalJson } from '../call-events/call-state';
import { fixture } from '../../../../test/helpers/fixtures';
import {
  sameTranscript,
  type TranscriptState,
  EMPTY_TRANSCRIPT,
  computeTranscriptStats,
  mergeTranscript,
  renderTranscriptText,
} from './transcript-state';

describe('transcript of the end-of-call report fixture', () => {
  const body = fixture<{ message: { artifact: { transcript: string } } }>(
    'end-of-call-report.json',
  );
  const transcript = mergeTranscript(EMPTY_TRANSCRIPT, normalizeWebhook(body));

  it('keeps the spoken turns in order, with offsets and durations in seconds', () => {
    expect(transcript.source).toBe('report');
    expect(transcript.segments).toHaveLength(11);
    expect(transcript.segments[0]).toEqual({
      role: 'assistant',
      text: 'Thanks for calling Bright Smile Dental, this is Riley. How can I help you today?',
      secondsFromStart: 0.42,
      durationSeconds: 4.31,
      occurredAt: null,
    });
    expect(transcript.segments[1]).toMatchObject({ role: 'user', secondsFromStart: 5.98 });
  });

  it('counts turns, words and talk time per role', () => {
    expect(computeTranscriptStats(transcript.segments)).toEqual({
      turns: 11,
      words: 128,
      talkSeconds: 39.62,
      byRole: {
        assistant: { turns: 6, words: 93, talkSeconds: 27.24 },
        user: { turns: 5, words: 35, talkSeconds: 12.38 },
      },
    });
  });

  it('renders plain text exactly as VAPI does in artifact.transcript', () => {
    expect(renderTranscriptText(transcript.segments)).toBe(body.message.artifact.transcript);
  });
});

describe(computeTranscriptStats.name, () => {
  it('is all zeros for no segments and counts unknown durations as no talk time', () => {
    expect(computeTranscriptStats([])).toEqual({
      turns: 0,
      words: 0,
      talkSeconds: 0,
      byRole: {
        assistant: { turns: 0, words: 0, talkSeconds: 0 },
        user: { turns: 0, words: 0, talkSeconds: 0 },
      },
    });
    const stats = computeTranscriptStats([
      {
        role: 'user',
        text: '  two   words ',
        secondsFromStart: null,
        durationSeconds: null,
        occurredAt: null,
      },
    ]);
    expect(stats.byRole.user).toEqual({ turns: 1, words: 2, talkSeconds: 0 });
  });

  it('has no text for an empty transcript', () => {
    expect(renderTranscriptText([])).toBeNull();
  });
});

describe(sameTranscript.name, () => {
  const segment = fc.record({
    role: fc.constantFrom('user' as const, 'assistant' as const),
    text: fc.constantFrom('hi', 'hello', ''),
    secondsFromStart: fc.option(fc.constantFrom(0, 1.5, 2), { nil: null }),
    durationSeconds: fc.option(fc.constantFrom(0.5, 1), { nil: null }),
    occurredAt: fc.option(fc.constantFrom('2026-01-01T00:00:00.000Z'), { nil: null }),
  });
  const transcript: fc.Arbitrary<TranscriptState> = fc.record({
    source: fc.constantFrom(
      null,
      'live-final' as const,
      'conversation' as const,
      'report' as const,
    ),
    version: fc.option(
      fc.tuple(fc.constantFrom(1, 4), fc.constantFrom(-1, 5), fc.constantFrom('a', 'b')),
      { nil: null },
    ),
    segments: fc.array(segment, { maxLength: 3 }),
  });

  it('agrees with comparing canonical JSON, on copies as on different transcripts', () => {
    fc.assert(
      fc.property(transcript, transcript, (a, b) => {
        const copy = structuredClone(a);
        expect(sameTranscript(a, copy)).toBe(true);
        expect(sameTranscript(a, b)).toBe(canonicalJson(a) === canonicalJson(b));
      }),
      { numRuns: 2000 },
    );
  });
});
