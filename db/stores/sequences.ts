import { eventMatcherOf } from '../../domain/sequences/conditions';
import type { SequenceDefinition } from '../../domain/sequences/definition';
import type { Db } from '../knex';

export interface SequenceRecord {
  key: string;
  name: string;
  description: string | null;
  currentVersion: number;
  builtIn: boolean;
  archivedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  definition: SequenceDefinition;
}

/** Sequence definitions with every version kept: running enrollments keep the version they started on. */
export class SequenceStore {
  constructor(private readonly db: Db) {}

  private baseQuery() {
    return this.db('sequences as s')
      .join('sequence_versions as v', (j) => j.on('v.sequence_key', 's.key').andOn('v.version', 's.current_version'))
      .select('s.*', 'v.definition');
  }

  private static toRecord(r: Record<string, unknown>): SequenceRecord {
    return {
      key: r.key as string,
      name: r.name as string,
      description: (r.description as string | null) ?? null,
      currentVersion: r.current_version as number,
      builtIn: r.built_in as boolean,
      archivedAt: (r.archived_at as Date | null) ?? null,
      createdAt: r.created_at as Date,
      updatedAt: r.updated_at as Date,
      definition: r.definition as SequenceDefinition,
    };
  }

  async list(includeArchived = false): Promise<SequenceRecord[]> {
    const q = this.baseQuery().orderBy('s.key');
    if (!includeArchived) q.whereNull('s.archived_at');
    return (await q).map(SequenceStore.toRecord);
  }

  async get(key: string): Promise<SequenceRecord | undefined> {
    const row = await this.baseQuery().where('s.key', key).first();
    return row && SequenceStore.toRecord(row);
  }

  async getVersion(key: string, version: number): Promise<SequenceDefinition | undefined> {
    const row = await this.db('sequence_versions').where({ sequence_key: key, version }).first();
    return row?.definition;
  }

  /** Every stored version of a sequence, oldest first, without the definitions. */
  async listVersions(key: string): Promise<{ version: number; createdAt: Date }[]> {
    const rows = await this.db('sequence_versions')
      .where({ sequence_key: key })
      .orderBy('version')
      .select('version', 'created_at');
    return rows.map((r) => ({ version: r.version as number, createdAt: r.created_at as Date }));
  }

  /** One version with the time it was stored, or undefined. */
  async getVersionEntry(
    key: string,
    version: number,
  ): Promise<{ version: number; definition: SequenceDefinition; createdAt: Date } | undefined> {
    const row = await this.db('sequence_versions').where({ sequence_key: key, version }).first();
    return row && { version: row.version as number, definition: row.definition, createdAt: row.created_at as Date };
  }

  /** Active sequences that one of these event names triggers (`segment.entered` for a segment trigger). */
  async listTriggeredBy(eventNames: string[]): Promise<SequenceRecord[]> {
    const all = await this.list();
    const names = new Set(eventNames);
    return all.filter((s) => s.definition.triggers.some((t) => names.has(eventMatcherOf(t).event)));
  }

  /** Creates the sequence at version 1; false if the key is taken. */
  async create(definition: SequenceDefinition, builtIn = false): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      const inserted = await trx('sequences')
        .insert({
          key: definition.key,
          name: definition.name,
          description: definition.description ?? null,
          current_version: 1,
          built_in: builtIn,
        })
        .onConflict('key')
        .ignore()
        .returning('key');
      if (inserted.length === 0) return false;
      await trx('sequence_versions').insert({
        sequence_key: definition.key,
        version: 1,
        definition: JSON.stringify(definition),
      });
      return true;
    });
  }

  /** Stores a new version and makes it current; returns it, or undefined for an unknown key. */
  async addVersion(definition: SequenceDefinition): Promise<number | undefined> {
    return this.db.transaction(async (trx) => {
      const current = await trx('sequences').where({ key: definition.key }).forUpdate().first();
      if (!current) return undefined;
      const version = (current.current_version as number) + 1;
      await trx('sequence_versions').insert({
        sequence_key: definition.key,
        version,
        definition: JSON.stringify(definition),
      });
      await trx('sequences')
        .where({ key: definition.key })
        .update({
          current_version: version,
          name: definition.name,
          description: definition.description ?? null,
          archived_at: null,
          updated_at: trx.fn.now(),
        });
      return version;
    });
  }

  async archive(key: string): Promise<boolean> {
    const n = await this.db('sequences')
      .where({ key })
      .update({ archived_at: this.db.fn.now(), updated_at: this.db.fn.now() });
    return n > 0;
  }
}
