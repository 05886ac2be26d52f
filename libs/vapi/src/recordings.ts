import type { RecordingKind, RecordingRef } from './call-event';
import { obj, str } from './json-value';

/**
 * Stable recording URLs from an artifact (`recordingUrl`, `stereoRecordingUrl`,
 * `videoRecordingUrl`, `recording.{stereoUrl,videoUrl,mono.{combinedUrl,assistantUrl,customerUrl}}`)
 * and then from any `fallbacks` (legacy top-level fields, same names). One ref per kind, first
 * source wins. `presigned*` URLs are never read: they expire and differ between deliveries.
 */
export function collectRecordings(artifact: unknown, ...fallbacks: unknown[]): RecordingRef[] {
  const byKind = new Map<RecordingKind, string>();
  const offer = (kind: RecordingKind, url: unknown): void => {
    const value = str(url);
    if (value !== undefined && !byKind.has(kind)) byKind.set(kind, value);
  };
  for (const source of [artifact, ...fallbacks]) {
    const fields = obj(source);
    if (!fields) continue;
    offer('mono', fields.recordingUrl);
    offer('stereo', fields.stereoRecordingUrl);
    offer('video', fields.videoRecordingUrl);
    const recording = obj(fields.recording);
    offer('stereo', recording?.stereoUrl);
    offer('video', recording?.videoUrl);
    const mono = obj(recording?.mono);
    offer('mono', mono?.combinedUrl);
    offer('assistant', mono?.assistantUrl);
    offer('customer', mono?.customerUrl);
  }
  return [...byKind].map(([kind, url]) => ({ kind, url }));
}
