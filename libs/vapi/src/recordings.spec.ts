import { collectRecordings } from './recordings';

describe(collectRecordings.name, () => {
  it('reads every recording field of an artifact, one per kind', () => {
    expect(
      collectRecordings({
        recordingUrl: 'https://r/mono.wav',
        stereoRecordingUrl: 'https://r/stereo.wav',
        videoRecordingUrl: 'https://r/video.mp4',
        recording: {
          stereoUrl: 'https://r/stereo.wav',
          mono: {
            combinedUrl: 'https://r/mono-2.wav',
            assistantUrl: 'https://r/assistant.wav',
            customerUrl: 'https://r/customer.wav',
          },
        },
      }),
    ).toEqual([
      { kind: 'mono', url: 'https://r/mono.wav' },
      { kind: 'stereo', url: 'https://r/stereo.wav' },
      { kind: 'video', url: 'https://r/video.mp4' },
      { kind: 'assistant', url: 'https://r/assistant.wav' },
      { kind: 'customer', url: 'https://r/customer.wav' },
    ]);
  });

  it('reads the nested recording object alone', () => {
    expect(
      collectRecordings({
        recording: { stereoUrl: 'https://r/stereo.wav', videoUrl: 'https://r/video.mp4' },
      }),
    ).toEqual([
      { kind: 'stereo', url: 'https://r/stereo.wav' },
      { kind: 'video', url: 'https://r/video.mp4' },
    ]);
  });

  it('fills missing kinds from the fallbacks, in order', () => {
    expect(
      collectRecordings(
        { recording: { mono: { combinedUrl: 'https://r/mono.wav' } } },
        {
          recordingUrl: 'https://legacy/mono.wav',
          stereoRecordingUrl: 'https://legacy/stereo.wav',
        },
        { stereoRecordingUrl: 'https://call/stereo.wav' },
      ),
    ).toEqual([
      { kind: 'mono', url: 'https://r/mono.wav' },
      { kind: 'stereo', url: 'https://legacy/stereo.wav' },
    ]);
  });

  it('ignores presigned URLs, empty strings and non-objects', () => {
    expect(
      collectRecordings(
        {
          presignedRecordingUrl: 'https://s3/x?sig=1',
          recordingUrl: '',
          recording: {
            presignedStereoUrl: 'https://s3/y?sig=2',
            mono: { presignedCombinedUrl: 'z' },
          },
        },
        'not an object',
        null,
      ),
    ).toEqual([]);
  });
});
