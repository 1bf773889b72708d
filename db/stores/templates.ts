import type {
  Artifact,
  LocaleContent,
  TemplateFormat,
  TemplateKind,
  TemplateProblem,
} from '../../templates/engine/types';
// The knex type itself, not ../knex: the migration that seeds the shipped templates writes through this store.
import type { Knex as Db } from 'knex';

export const VERSION_SOURCES = ['shipped', 'api', 'restore', 'dependency'] as const;
/** How a version came to be: shipped with the product, saved through the API, a restore, or a layout/partial change. */
export type VersionSource = (typeof VERSION_SOURCES)[number];

/** A template's settings, the same across its versions. */
export interface TemplateMeta {
  key: string;
  name: string;
  kind: TemplateKind;
  format: TemplateFormat;
  transactional: boolean;
  layout: string | null;
  from: string | null;
  replyTo: string | null;
  cta: string | null;
}

export interface TemplateRecord extends TemplateMeta {
  currentVersion: number;
  builtIn: boolean;
  createdAt: Date;
  updatedAt: Date;
  archivedAt: Date | null;
}

/** One immutable version: what was written per locale, and what it compiled to. */
export interface TemplateVersion {
  templateKey: string;
  version: number;
  defaultLocale: string;
  content: Record<string, LocaleContent>;
  artifacts: Record<string, Artifact>;
  uses: string[];
  warnings: TemplateProblem[];
  source: VersionSource;
  restoredFrom: number | null;
  createdBy: string;
  createdAt: Date;
}

/** A version as it is written; its number is given by the store. */
export type NewVersion = Omit<TemplateVersion, 'templateKey' | 'version' | 'createdAt'>;

const toRecord = (r: Record<string, unknown>): TemplateRecord => ({
  key: r.key as string,
  name: r.name as string,
  kind: r.kind as TemplateKind,
  format: r.format as TemplateFormat,
  transactional: r.transactional as boolean,
  layout: (r.layout as string | null) ?? null,
  from: (r.from_address as string | null) ?? null,
  replyTo: (r.reply_to as string | null) ?? null,
  cta: (r.cta as string | null) ?? null,
  currentVersion: r.current_version as number,
  builtIn: r.built_in as boolean,
  createdAt: r.created_at as Date,
  updatedAt: r.updated_at as Date,
  archivedAt: (r.archived_at as Date | null) ?? null,
});

const toVersion = (r: Record<string, unknown>): TemplateVersion => ({
  templateKey: r.template_key as string,
  version: r.version as number,
  defaultLocale: r.default_locale as string,
  content: r.content as Record<string, LocaleContent>,
  artifacts: r.artifacts as Record<string, Artifact>,
  uses: (r.uses as string[] | null) ?? [],
  warnings: (r.warnings as TemplateProblem[] | null) ?? [],
  source: r.source as VersionSource,
  restoredFrom: (r.restored_from as number | null) ?? null,
  createdBy: r.created_by as string,
  createdAt: r.created_at as Date,
});

const metaColumns = (m: Partial<TemplateMeta>) => ({
  ...(m.name !== undefined ? { name: m.name } : {}),
  ...(m.transactional !== undefined ? { transactional: m.transactional } : {}),
  ...(m.layout !== undefined ? { layout: m.layout } : {}),
  ...(m.from !== undefined ? { from_address: m.from } : {}),
  ...(m.replyTo !== undefined ? { reply_to: m.replyTo } : {}),
  ...(m.cta !== undefined ? { cta: m.cta } : {}),
});

const versionColumns = (key: string, version: number, v: NewVersion) => ({
  template_key: key,
  version,
  default_locale: v.defaultLocale,
  content: JSON.stringify(v.content),
  artifacts: JSON.stringify(v.artifacts),
  uses: v.uses,
  warnings: JSON.stringify(v.warnings),
  source: v.source,
  restored_from: v.restoredFrom,
  created_by: v.createdBy.slice(0, 200),
});

/** Templates and their versions. A version is never changed: a save, a restore or a dependency's change adds one. */
export class TemplateStore {
  constructor(private readonly db: Db) {}

  /** A template, archived ones included (their versions still render the messages that pinned them). */
  async get(key: string): Promise<TemplateRecord | undefined> {
    const row = await this.db('templates').where({ key }).first();
    return row ? toRecord(row) : undefined;
  }

  async getVersion(key: string, version: number): Promise<TemplateVersion | undefined> {
    const row = await this.db('template_versions').where({ template_key: key, version }).first();
    return row ? toVersion(row) : undefined;
  }

  async listVersions(key: string): Promise<TemplateVersion[]> {
    return (await this.db('template_versions').where({ template_key: key }).orderBy('version', 'desc')).map(toVersion);
  }

  /** The current version of every live template of these kinds: layouts and partials a compile may use. */
  async currentOf(
    kinds: readonly TemplateKind[],
    includeArchived = false,
  ): Promise<{ template: TemplateRecord; version: TemplateVersion }[]> {
    const q = this.db('templates as t')
      .join('template_versions as v', (j) => j.on('v.template_key', 't.key').andOn('v.version', 't.current_version'))
      .whereIn('t.kind', kinds)
      .orderBy('t.key')
      .select('t.*', this.db.raw('row_to_json(v.*) as v'));
    if (!includeArchived) q.whereNull('t.archived_at');
    const rows = await q;
    return rows.map((r: Record<string, unknown>) => ({
      template: toRecord(r),
      version: toVersion(r.v as Record<string, unknown>),
    }));
  }

  /** Live email templates whose current version was assembled from this layout or partial. */
  async dependants(key: string): Promise<string[]> {
    const rows = await this.db('templates as t')
      .join('template_versions as v', (j) => j.on('v.template_key', 't.key').andOn('v.version', 't.current_version'))
      .whereNull('t.archived_at')
      .whereRaw('? = ANY(v.uses)', [key])
      .select('t.key');
    return rows.map((r: { key: string }) => r.key);
  }

  /** Creates a template with its first version; false when the key is taken (archived templates keep theirs). */
  async create(meta: TemplateMeta, first: NewVersion, builtIn = false): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      const inserted = await trx('templates')
        .insert({
          key: meta.key,
          kind: meta.kind,
          format: meta.format,
          ...metaColumns(meta),
          current_version: 1,
          built_in: builtIn,
        })
        .onConflict('key')
        .ignore()
        .returning('key');
      if (inserted.length === 0) return false;
      await trx('template_versions').insert(versionColumns(meta.key, 1, first));
      return true;
    });
  }

  /**
   * Publishes a new version (and any change of settings) and makes it current; the number of the new version, or
   * undefined when the template does not exist. Two saves at once get two versions, one after the other.
   */
  async addVersion(key: string, v: NewVersion, meta: Partial<TemplateMeta> = {}): Promise<number | undefined> {
    return this.db.transaction(async (trx) => {
      const row = await trx('templates').where({ key }).forUpdate().first();
      if (!row) return undefined;
      const version = (row.current_version as number) + 1;
      await trx('template_versions').insert(versionColumns(key, version, v));
      await trx('templates')
        .where({ key })
        .update({ ...metaColumns(meta), current_version: version, archived_at: null, updated_at: trx.fn.now() });
      return version;
    });
  }

  async archive(key: string): Promise<boolean> {
    const n = await this.db('templates')
      .where({ key })
      .whereNull('archived_at')
      .update({ archived_at: this.db.fn.now() });
    return n > 0;
  }

  /** Every message template's key, format and whether it is transactional: what a sequence or broadcast may name. */
  async catalogue(): Promise<{ key: string; transactional: boolean; format: TemplateFormat }[]> {
    return this.db('templates')
      .where({ kind: 'email' })
      .whereNull('archived_at')
      .orderBy('key')
      .select('key', 'transactional', 'format');
  }

  /**
   * The version an enrollment pinned for this template, pinning the current one if it had none yet (an enrollment
   * started before templates were data, or a template it names that was created after it started). Answers the
   * current version when the workflow has no active enrollment row.
   */
  async pinnedForEnrollment(workflowId: string, key: string): Promise<{ version?: number; topic: string | null }> {
    const row = await this.db('enrollments')
      .where({ workflow_id: workflowId, status: 'active' })
      .first('id', 'template_versions', 'topic');
    if (!row) return { topic: null };
    const pinned = (row.template_versions as Record<string, number>)[key];
    if (pinned !== undefined) return { version: pinned, topic: row.topic ?? null };
    const [updated] = await this.db('enrollments')
      .where({ id: row.id })
      .update({
        template_versions: this.db.raw(
          `template_versions || jsonb_build_object(?::text, (SELECT current_version FROM templates WHERE key = ?))`,
          [key, key],
        ),
      })
      .whereRaw('NOT template_versions \\? ?', [key])
      .whereExists((q) => q.select(1).from('templates').where({ key }))
      .returning('template_versions');
    const now = updated ? (updated.template_versions as Record<string, number>)[key] : undefined;
    if (now !== undefined) return { version: now, topic: row.topic ?? null };
    const again = await this.db('enrollments').where({ id: row.id }).first('template_versions');
    return {
      version: (again?.template_versions as Record<string, number> | undefined)?.[key],
      topic: row.topic ?? null,
    };
  }

  /**
   * Moves the active enrollments that pinned an earlier version of this template to its current one, from their
   * next send of it on; how many moved.
   */
  async movePinsToCurrent(key: string): Promise<number> {
    return this.db('enrollments')
      .where({ status: 'active' })
      .whereRaw('template_versions \\? ?', [key])
      .whereRaw(`(template_versions->>?)::int <> (SELECT current_version FROM templates WHERE key = ?)`, [key, key])
      .update({
        template_versions: this.db.raw(
          `template_versions || jsonb_build_object(?::text, (SELECT current_version FROM templates WHERE key = ?))`,
          [key, key],
        ),
      });
  }

  /** Pins the template's current version for a broadcast when it starts sending; the pinned version. */
  async pinForBroadcast(broadcastId: string): Promise<number | null> {
    await this.db('broadcasts')
      .where({ id: broadcastId })
      .whereNull('template_version')
      .update({
        template_version: this.db.raw('(SELECT current_version FROM templates WHERE key = broadcasts.template)'),
      });
    const row = await this.db('broadcasts').where({ id: broadcastId }).first('template_version');
    return (row?.template_version as number | null) ?? null;
  }

  /** Names of the live sequences (their current versions) and unfinished broadcasts that send this template. */
  async usedBy(key: string): Promise<{ sequences: string[]; broadcasts: string[] }> {
    const sequences = await this.db('sequences as s')
      .join('sequence_versions as v', (j) => j.on('v.sequence_key', 's.key').andOn('v.version', 's.current_version'))
      .whereNull('s.archived_at')
      .whereRaw(
        `jsonb_path_exists(v.definition, '$.steps[*] \\? (@.type == "send" && @.template == $t)', jsonb_build_object('t', ?::text))`,
        [key],
      )
      .orderBy('s.key')
      .select('s.key');
    const broadcasts = await this.db('broadcasts')
      .where({ template: key })
      .whereNotIn('status', ['completed', 'cancelled', 'rejected', 'failed'])
      .orderBy('created_at')
      .select('id');
    return {
      sequences: sequences.map((r: { key: string }) => r.key),
      broadcasts: broadcasts.map((r: { id: string }) => r.id),
    };
  }
}

/** The keys among these that name no template: a configuration that mentions a template checks it at start-up. */
export async function missingTemplates(db: Db, keys: readonly string[]): Promise<string[]> {
  if (keys.length === 0) return [];
  const found = new Set((await db('templates').whereIn('key', keys).pluck('key')) as string[]);
  return keys.filter((k) => !found.has(k));
}
