import { DataSource } from 'typeorm';
import { COUNT_ACTIVE_READ_TOKENS_SQL } from '../repositories/read-tokens.repository';

const UNDEFINED_TABLE = '42P01';

/**
 * Counts usable read tokens over a short-lived connection of its own, for a boot check of an
 * app whose main connection comes up in the background. Undefined when Postgres does not answer
 * within `timeoutMs`; 0 when the schema has no tokens table yet (nothing can be active there).
 */
export async function probeActiveReadTokens(
  url: string,
  timeoutMs: number,
  at: Date = new Date(),
): Promise<number | undefined> {
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    extra: { max: 1, connectionTimeoutMillis: timeoutMs, statement_timeout: timeoutMs },
  });
  try {
    await dataSource.initialize();
    const [row] = await dataSource.query<{ n: number }[]>(COUNT_ACTIVE_READ_TOKENS_SQL, [at]);
    return row?.n ?? 0;
  } catch (error) {
    if ((error as { code?: unknown }).code === UNDEFINED_TABLE) return 0;
    return undefined;
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
  }
}
