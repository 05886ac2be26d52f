import { Job, UnrecoverableError } from 'bullmq';
import { JobName } from '@app/queue';
import { RecordingDownloadError } from './recording-downloader';
import { RecordingsProcessor } from './recordings.processor';
import type { RecordingsService } from './recordings.service';

describe(RecordingsProcessor.name, () => {
  const attach = jest.fn<
    ReturnType<RecordingsService['attach']>,
    Parameters<RecordingsService['attach']>
  >();
  const processor = new RecordingsProcessor({ attach } as unknown as RecordingsService);
  const job = (attemptsMade: number, attempts = 3, name: string = JobName.AttachRecording) =>
    ({
      name,
      attemptsMade,
      opts: { attempts },
      data: { callId: 'c1', kind: 'mono', url: 'https://x/y.wav' },
    }) as unknown as Job;

  beforeEach(() => attach.mockReset().mockResolvedValue('stored'));

  it('tells the service which attempt is the last', async () => {
    await processor.process(job(0));
    await processor.process(job(1));
    await processor.process(job(2));
    expect(attach.mock.calls.map((c) => c[3])).toEqual([
      { final: false },
      { final: false },
      { final: true },
    ]);
    expect(attach).toHaveBeenCalledWith('c1', 'mono', 'https://x/y.wav', { final: false });
  });

  it('stops retries for errors no attempt can fix, and keeps them for the rest', async () => {
    attach.mockRejectedValueOnce(new RecordingDownloadError('HTTP 404', false));
    await expect(processor.process(job(0))).rejects.toBeInstanceOf(UnrecoverableError);
    const transient = new RecordingDownloadError('HTTP 503', true);
    attach.mockRejectedValueOnce(transient);
    await expect(processor.process(job(0))).rejects.toBe(transient);
  });

  it('refuses jobs it does not know', async () => {
    await expect(processor.process(job(0, 3, 'something-else'))).rejects.toBeInstanceOf(
      UnrecoverableError,
    );
    expect(attach).not.toHaveBeenCalled();
  });
});
