import { BadRequestException } from '@nestjs/common';
import type { JobName, JobOf } from '@app/queue';

/** Most call ids one request may name (each becomes a job). */
export const MAX_REPLAY_CALL_IDS = 1000;

const KNOWN_KEYS = new Set(['callIds', 'from', 'to', 'rederive', 'followups', 'force']);

/** A validated replay request: the calls, and what to do with them. */
export interface ReplayRequest {
  callIds: string[];
  range?: { from: string; to: string };
  options: Pick<JobOf<JobName.Replay>, 'rederive' | 'followups' | 'force'>;
}

/**
 * Reads `POST /api/admin/replay` from its JSON body and/or query string (body fields win):
 * `callIds` (array, or comma-separated in the query), `from` + `to` (ISO 8601; calls first seen
 * in `[from, to)`), booleans `rederive`, `followups` (both when neither is given) and `force`.
 * Throws `BadRequestException` naming what is wrong.
 */
export function parseReplayRequest(body: unknown, query: unknown): ReplayRequest {
  const fields = { ...asFields(query, 'query string'), ...asFields(body, 'body') };
  const unknown = Object.keys(fields).filter((key) => !KNOWN_KEYS.has(key));
  if (unknown.length > 0) {
    throw new BadRequestException(`Unknown field(s): ${unknown.join(', ')}.`);
  }

  const callIds = [...new Set(callIdsOf(fields.callIds))];
  if (callIds.length > MAX_REPLAY_CALL_IDS) {
    throw new BadRequestException(`At most ${MAX_REPLAY_CALL_IDS} callIds per request.`);
  }
  const from = timeOf(fields.from, 'from');
  const to = timeOf(fields.to, 'to');
  if ((from === undefined) !== (to === undefined)) {
    throw new BadRequestException('Give both from and to, or neither.');
  }
  if (from !== undefined && to !== undefined && Date.parse(from) >= Date.parse(to)) {
    throw new BadRequestException('from must be before to.');
  }
  if (callIds.length === 0 && from === undefined) {
    throw new BadRequestException('Name the calls: callIds, or from and to.');
  }

  const rederive = boolOf(fields.rederive, 'rederive');
  const followups = boolOf(fields.followups, 'followups');
  const both = rederive === undefined && followups === undefined;
  const options = {
    rederive: both || rederive === true,
    followups: both || followups === true,
    force: boolOf(fields.force, 'force') ?? false,
  };
  if (!options.rederive && !options.followups) {
    throw new BadRequestException('Nothing to do: rederive and followups are both false.');
  }
  return {
    callIds,
    range: from !== undefined && to !== undefined ? { from, to } : undefined,
    options,
  };
}

function asFields(value: unknown, where: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new BadRequestException(`The ${where} must be a JSON object.`);
  }
  return value as Record<string, unknown>;
}

function callIdsOf(value: unknown): string[] {
  if (value === undefined) return [];
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items) || !items.every((id) => typeof id === 'string')) {
    throw new BadRequestException('callIds must be an array of strings.');
  }
  const ids = items.map((id) => id.trim()).filter((id) => id !== '');
  if (ids.some((id) => id.length > 200)) throw new BadRequestException('A call id is too long.');
  return ids;
}

/** An ISO 8601 time, re-rendered in UTC. */
function timeOf(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new BadRequestException(`${name} must be an ISO 8601 time.`);
  return new Date(ms).toISOString();
}

function boolOf(value: unknown, name: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new BadRequestException(`${name} must be true or false.`);
}
