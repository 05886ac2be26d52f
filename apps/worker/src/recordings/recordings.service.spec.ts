import { RecordingDownloadError } from './recording-downloader';
import { isRetryable, recordingFileName } from './recordings.service';

describe(recordingFileName.name, () => {
  it.each([
    ['https://storage.vapi.ai/x-mono.wav', 'c1-mono.wav'],
    ['https://storage.vapi.ai/x.MP3?sig=1', 'c1-mono.mp3'],
    ['https://storage.vapi.ai/no-extension', 'c1-mono.wav'],
    ['https://storage.vapi.ai/odd.extension-too-long', 'c1-mono.wav'],
    ['not a url', 'c1-mono.wav'],
  ])('names the file for %s %s', (sourceUrl, name) => {
    expect(recordingFileName({ callId: 'c1', kind: 'mono', sourceUrl })).toBe(name);
  });

  it('keeps odd call ids to one plain file name', () => {
    expect(recordingFileName({ callId: '../x/y', kind: 'mono', sourceUrl: 'u' })).toBe(
      '.._x_y-mono.wav',
    );
  });
});

describe(isRetryable.name, () => {
  it('retries anything but a download error marked final', () => {
    expect(isRetryable(new Error('socket hang up'))).toBe(true);
    expect(isRetryable(new RecordingDownloadError('HTTP 503', true))).toBe(true);
    expect(isRetryable(new RecordingDownloadError('HTTP 404', false))).toBe(false);
  });
});
