import { normalizeWebhook, type CallEvent } from '@app/vapi';
import { fixture } from '../../../../test/helpers/fixtures';
import { EMPTY_TRANSCRIPT, mergeTranscript } from '../transcripts/transcript-state';
import { callChanges, segmentChanges } from './call-changes';
import { mergeCallState } from './call-state';

const event = (name: string): CallEvent => normalizeWebhook(fixture(name));

describe(callChanges.name, () => {
  const ringing = event('status-update-ringing.json');
  const inProgress = event('status-update-in-progress.json');
  const report = event('end-of-call-report.json');
  const conversation = event('conversation-update.json');

  it('announces a new call with its status', () => {
    const after = mergeCallState(null, ringing);
    const changes = callChanges(null, after, null);
    expect(changes).toEqual([
      {
        callId: after.id,
        kind: 'status',
        data: expect.objectContaining({ status: 'ringing', outcome: 'in-progress' }) as unknown,
      },
    ]);
  });

  it('says nothing when a fold changed nothing', () => {
    const state = mergeCallState(null, inProgress);
    expect(callChanges(state, mergeCallState(state, inProgress), null)).toEqual([]);
  });

  it('sends status, transcript and summary of a report, in that order', () => {
    const before = mergeCallState(null, inProgress);
    const after = mergeCallState(before, report);
    const transcript = mergeTranscript(EMPTY_TRANSCRIPT, report);
    const changes = callChanges(before, after, segmentChanges([], transcript.segments));
    expect(changes.map((c) => c.kind)).toEqual(['status', 'transcript', 'summary']);
    expect(changes[0].data).toMatchObject({ status: 'ended', endedReason: 'customer-ended-call' });
    expect(changes[1].data).toMatchObject({ fromSeq: 0, replaced: false });
    expect(changes[2].data).toMatchObject({ cost: '0.097100' });
    expect(changes[2].data.summary).toMatch(/^Dana Whitfield called/);
  });

  it('sends only the appended turns when a conversation grows', () => {
    const grown = mergeTranscript(EMPTY_TRANSCRIPT, conversation);
    const shorter = { ...grown, segments: grown.segments.slice(0, 2) };
    const change = segmentChanges(shorter.segments, grown.segments);
    expect(change).toEqual({
      fromSeq: 2,
      replaced: false,
      segments: grown.segments.slice(2).map((s, i) => ({
        seq: 2 + i,
        role: s.role,
        text: s.text,
        secondsFromStart: s.secondsFromStart,
        durationSeconds: s.durationSeconds,
      })),
    });
  });

  it('sends the whole transcript when an earlier turn changed', () => {
    const grown = mergeTranscript(EMPTY_TRANSCRIPT, conversation);
    const edited = grown.segments.map((s, i) => (i === 0 ? { ...s, text: `${s.text}!` } : s));
    expect(segmentChanges(grown.segments, edited)).toMatchObject({ fromSeq: 0, replaced: true });
    expect(segmentChanges(grown.segments, grown.segments)).toBeNull();
  });
});
