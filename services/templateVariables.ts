import type { Db } from '../db/knex';

/** How many of the latest contacts and events are read for the names of traits and event properties seen so far. */
const SAMPLE = 2_000;

/**
 * Names of the contact traits and event properties seen so far, from the latest contacts and events (a sample, so a
 * save costs the same with a million contacts): what a template may read as `traits.*` and `event.*`.
 */
export async function knownVariables(db: Db): Promise<{ traits: string[]; eventProperties: string[] }> {
  const keys = async (table: string, column: string, order: string): Promise<string[]> => {
    const { rows } = await db.raw(
      `SELECT DISTINCT jsonb_object_keys(${column}) AS k
         FROM (SELECT ${column} FROM ${table} WHERE jsonb_typeof(${column}) = 'object' ORDER BY ${order} DESC LIMIT ?) s
        ORDER BY k`,
      [SAMPLE],
    );
    return rows.map((r: { k: string }) => r.k);
  };
  const [traits, eventProperties] = await Promise.all([
    keys('contacts', 'traits', 'updated_at'),
    keys('events', 'properties', 'id'),
  ]);
  return { traits, eventProperties };
}
