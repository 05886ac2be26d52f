import type { DataSource } from 'typeorm';

/** Calls whose id ends so are refused by Postgres once `plantPoison` ran. */
export const POISON_CALL_SUFFIX = 'call-poison';

/**
 * Makes Postgres refuse every call row whose id ends in `POISON_CALL_SUFFIX` with a data
 * exception (22003), as it refuses a value a column cannot hold. The normaliser drops the values
 * that used to do this on the wire (such as a cost beyond numeric(14,6)), so the poison is
 * planted in the database instead.
 */
export async function plantPoison(dataSource: DataSource): Promise<void> {
  await dataSource.query(`
    CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.id LIKE '%${POISON_CALL_SUFFIX}' THEN
        RAISE EXCEPTION 'numeric field overflow (planted poison)' USING ERRCODE = '22003';
      END IF;
      RETURN NEW;
    END $$`);
  await dataSource.query(
    `CREATE TRIGGER refuse_poison BEFORE INSERT OR UPDATE ON calls FOR EACH ROW EXECUTE FUNCTION refuse_poison()`,
  );
}
