import type { Db } from '../db/knex';
import { InfluencerStore, type InfluencerRecord, type InfluencerSearch } from '../db/stores/influencers';
import {
  parseCatalogueRow,
  unknownFieldsWarning,
  type CatalogueFormat,
  type FieldProblem,
  type InfluencerRow,
} from '../domain/influencerRow';
import { CsvFormatError } from '../infra/csvStream';
import { LruCache } from '../infra/lruCache';

/** Rows upserted per statement: large enough to amortise the round trip, small enough to stay well under 65k parameters. */
export const IMPORT_BATCH_SIZE = 500;
/** Rejected rows listed in an import answer; past this only the count grows, so a wrong file does not make a huge answer. */
export const MAX_LISTED_REJECTIONS = 1000;
/** Distinct unknown field names listed in an import answer; a JSON body with arbitrary keys must not make it huge. */
export const MAX_LISTED_UNKNOWN_FIELDS = 100;

/** The product requirements' caching of influencer data: LRU, 10,000 entries, one hour. */
export const INFLUENCER_CACHE = { maxEntries: 10_000, ttlMs: 3600_000 } as const;

/** The cache the API and the scoring activities share when they run in one process. */
export function createInfluencerCache(): LruCache<unknown> {
  return new LruCache<unknown>(INFLUENCER_CACHE);
}

/** A rejected catalogue row: its 1-based position among the data rows (the CSV header is not counted). */
export interface RejectedRow {
  row: number;
  problems: FieldProblem[];
}

/** What an import did. */
export interface ImportResult {
  imported: number;
  updated: number;
  rejected: RejectedRow[];
  rejectedCount: number;
  /** CSV columns or JSON fields the catalogue does not know, in the order first seen: their values were not kept. */
  unknownFields: string[];
  /** Sentences for people: the unknown names, with the valid ones (and the right spelling where one was close). */
  warnings: string[];
}

/** Thrown when the CSV itself cannot be read (an unclosed quote, a broken line): nothing of it is kept. */
export class CatalogueFormatError extends Error {
  override readonly name = 'CatalogueFormatError';

  constructor(
    message: string,
    /** The file's line (the header is line 1). */
    readonly line: number,
  ) {
    super(message);
  }
}

/**
 * The influencer catalogue: streaming import, search over a venture's matches, single look-ups, with the influencer
 * data cached per the product requirements (an import clears it; a scoring run clears its venture's searches).
 */
export class InfluencerCatalogue {
  private readonly store: InfluencerStore;

  constructor(
    private readonly db: Db,
    private readonly cache: LruCache<unknown> = createInfluencerCache(),
  ) {
    this.store = new InfluencerStore(db);
  }

  /**
   * Validates each record with the catalogue schema and upserts the valid ones by (platform, handle) in batches,
   * all in one transaction: a file that breaks off half-way (unreadable CSV) leaves the catalogue as it was.
   * A (platform, handle) repeated in the file updates the row its first occurrence wrote.
   *
   * `format` says how the fields are named: `json` for an API body (camelCase only), `csv` for a file (snake_case
   * or camelCase headers, any case; also what in-process callers holding stored-shape rows use). Unknown names are
   * listed in the answer rather than dropped in silence.
   */
  async import(
    records: AsyncIterable<unknown> | Iterable<unknown>,
    format: CatalogueFormat = 'csv',
  ): Promise<ImportResult> {
    const result: ImportResult = {
      imported: 0,
      updated: 0,
      rejected: [],
      rejectedCount: 0,
      unknownFields: [],
      warnings: [],
    };
    const unknown = new Set<string>();
    await this.db.transaction(async (trx) => {
      const store = new InfluencerStore(trx);
      let batch: InfluencerRow[] = [];
      let keys = new Set<string>();
      const flush = async () => {
        const { inserted, updated } = await store.upsertMany(batch);
        result.imported += inserted;
        result.updated += updated;
        batch = [];
        keys = new Set();
      };
      let index = 0;
      try {
        for await (const record of records) {
          index++;
          const parsed = parseCatalogueRow(record, format);
          for (const name of parsed.unknownFields) if (unknown.size < MAX_LISTED_UNKNOWN_FIELDS) unknown.add(name);
          if (!parsed.ok) {
            result.rejectedCount++;
            if (result.rejected.length < MAX_LISTED_REJECTIONS)
              result.rejected.push({ row: index, problems: parsed.problems });
            continue;
          }
          const key = `${parsed.value.platform}\u0000${parsed.value.handle.toLowerCase()}`;
          if (keys.has(key)) await flush();
          batch.push(parsed.value);
          keys.add(key);
          if (batch.length >= IMPORT_BATCH_SIZE) await flush();
        }
      } catch (err) {
        // The message names the line and the problem only: the parser's own message quotes the cell.
        if (err instanceof CsvFormatError) {
          throw new CatalogueFormatError(`the CSV cannot be read at line ${err.line}: ${err.problem}`, err.line);
        }
        throw err;
      }
      if (batch.length > 0) await flush();
    });
    this.cache.clear();
    result.unknownFields = [...unknown];
    if (unknown.size > 0) result.warnings.push(unknownFieldsWarning(result.unknownFields, format));
    return result;
  }

  async get(id: string): Promise<InfluencerRecord | undefined> {
    return (await this.cache.getOrLoad(`influencer:${id}`, () => this.store.getById(id))) as
      InfluencerRecord | undefined;
  }

  async search(filter: InfluencerSearch): Promise<Awaited<ReturnType<InfluencerStore['search']>>> {
    const key = `search:${filter.ventureId}:${JSON.stringify(filter)}`;
    return (await this.cache.getOrLoad(key, () => this.store.search(filter))) as Awaited<
      ReturnType<InfluencerStore['search']>
    >;
  }
}
