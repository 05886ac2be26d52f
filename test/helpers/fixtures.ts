import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Fixture payloads copied from the VAPI protocol notes (test/fixtures/vapi/README.md). */
export const FIXTURE_DIR = join(__dirname, '..', 'fixtures', 'vapi');

/** The exact bytes of a fixture file. */
export const fixtureBytes = (name: string): Buffer => readFileSync(join(FIXTURE_DIR, name));

/** A fixture, parsed. */
export const fixture = <T = Record<string, unknown>>(name: string): T =>
  JSON.parse(fixtureBytes(name).toString('utf8')) as T;

/** Every fixture that is a webhook body (not a response, not the vector's metadata). */
export const webhookFixtureNames = (): string[] =>
  readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.json'))
    .filter((f) => !f.endsWith('.response.json') && f !== 'hmac-vector.json');

/** A real-format call id shared by the fixture conversation. */
export const FIXTURE_CALL_ID = 'c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c';
