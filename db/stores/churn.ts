import type { ChurnMetrics, ChurnModel } from '../../domain/churnModel';
import { scoresEventFeatures } from '../../domain/churnScoring';
import type { Db } from '../knex';

/** A trained churn model as stored. */
export interface StoredChurnModel {
  id: string;
  source: string;
  model: ChurnModel;
  /** Figures as stored: models trained before a figure was measured lack it; a NaN is stored as null. */
  metrics: Partial<Record<keyof ChurnMetrics, number | null>> & Record<string, unknown>;
  trainedAt: Date;
}

/** A contact's latest churn score, with what the list of a venture's contacts at risk shows of the contact. */
export interface LatestChurnScore {
  contactId: string;
  externalId: string;
  email: string;
  traits: Record<string, unknown>;
  riskScore: number;
  method: 'model' | 'heuristic';
  riskFactors: Record<string, unknown>;
  interventionType: string | null;
  scanId: string | null;
  calculatedAt: Date;
}

/** Where a page of contacts at risk starts: after this score, and this contact among equal scores. */
export interface AtRiskKey {
  score: number;
  contactId: string;
}

/** One contact's score in one scan. */
export interface ChurnScoreRow {
  contactId: string;
  ventureId: string | null;
  scanId: string;
  riskScore: number;
  method: 'model' | 'heuristic';
  riskFactors: Record<string, unknown>;
  interventionType: string | null;
  interventionTriggered: boolean;
}

const toModel = (r: Record<string, unknown>): StoredChurnModel => ({
  id: r.id as string,
  source: r.source as string,
  model: r.model as ChurnModel,
  metrics: r.metrics as StoredChurnModel['metrics'],
  trainedAt: r.trained_at as Date,
});

// JSON has no NaN: an AUC over a one-class holdout is stored as null.
const finiteOrNull = (v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v);

/** Trained churn models and the risk scores of each scan. */
export class ChurnStore {
  constructor(private readonly db: Db) {}

  async saveModel(
    source: string,
    model: ChurnModel,
    metrics: ChurnMetrics & Record<string, unknown>,
  ): Promise<StoredChurnModel> {
    const cleanMetrics = Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, finiteOrNull(v)]));
    const [row] = await this.db('churn_models')
      .insert({ source, model: JSON.stringify(model), metrics: JSON.stringify(cleanMetrics) })
      .returning('*');
    return toModel(row);
  }

  async getModel(id: string): Promise<StoredChurnModel | undefined> {
    const row = await this.db('churn_models').where({ id }).first();
    return row && toModel(row);
  }

  /** Models newest first. */
  async listModels(limit = 20): Promise<StoredChurnModel[]> {
    return (await this.db('churn_models').orderBy('trained_at', 'desc').limit(limit)).map(toModel);
  }

  /**
   * The model the churn scan scores with: the newest of the last `limit` models that reads event features (trained
   * on events, or a CSV export's model retrained on its columns with an event equivalent). `skipped` are the models
   * trained after it that cannot score from events (a CSV's model over columns events do not carry), newest first.
   */
  async modelInUse(limit = 50): Promise<{ model: StoredChurnModel | undefined; skipped: StoredChurnModel[] }> {
    const skipped: StoredChurnModel[] = [];
    for (const m of await this.listModels(limit)) {
      if (scoresEventFeatures(m.model)) return { model: m, skipped };
      skipped.push(m);
    }
    return { model: undefined, skipped };
  }

  /**
   * A page of a venture's contacts by their latest score, highest first, at or above `minScore`: keyset paged on
   * (score, contact id), so scores written meanwhile never repeat or skip a contact within one scan's results.
   * Each contact of the venture is read with its newest score row through the (user_id, calculated_at) index.
   */
  async atRisk(
    ventureId: string,
    page: { limit: number; minScore: number; after?: AtRiskKey },
  ): Promise<{ scores: LatestChurnScore[]; next: AtRiskKey | null }> {
    const q = this.db
      .from('contacts as c')
      .joinRaw(
        `CROSS JOIN LATERAL (
           SELECT risk_score, method, risk_factors, intervention_type, scan_id, calculated_at
             FROM churn_risk_scores s
            WHERE s.user_id = c.id
            ORDER BY s.calculated_at DESC, s.score_id DESC
            LIMIT 1) s`,
      )
      .where('c.venture_id', ventureId)
      .where('s.risk_score', '>=', page.minScore)
      .orderBy([
        { column: 's.risk_score', order: 'desc' },
        { column: 'c.id', order: 'desc' },
      ])
      .limit(page.limit + 1)
      .select(
        'c.id',
        'c.external_id',
        'c.email',
        'c.traits',
        's.risk_score',
        's.method',
        's.risk_factors',
        's.intervention_type',
        's.scan_id',
        's.calculated_at',
      );
    // risk_score is a real: the key's score is cast to it, so the comparison is exact for a score read from it.
    if (page.after) q.whereRaw('(s.risk_score, c.id) < (?::real, ?::uuid)', [page.after.score, page.after.contactId]);
    const rows: Record<string, unknown>[] = await q;
    const scores = rows.slice(0, page.limit).map((r): LatestChurnScore => ({
      contactId: r.id as string,
      externalId: r.external_id as string,
      email: r.email as string,
      traits: (r.traits as Record<string, unknown>) ?? {},
      riskScore: r.risk_score as number,
      method: r.method === 'model' ? 'model' : 'heuristic',
      riskFactors: (r.risk_factors as Record<string, unknown>) ?? {},
      interventionType: (r.intervention_type as string | null) ?? null,
      scanId: (r.scan_id as string | null) ?? null,
      calculatedAt: r.calculated_at as Date,
    }));
    const last = scores[scores.length - 1];
    return {
      scores,
      next: rows.length > page.limit && last ? { score: last.riskScore, contactId: last.contactId } : null,
    };
  }

  /**
   * Writes the scan's scores; a row already written by this scan for the contact (a retried batch) is replaced,
   * except that an intervention once decided stays decided.
   */
  async saveScores(rows: readonly ChurnScoreRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db('churn_risk_scores')
      .insert(
        rows.map((r) => ({
          user_id: r.contactId,
          venture_id: r.ventureId,
          scan_id: r.scanId,
          risk_score: r.riskScore,
          method: r.method,
          risk_factors: JSON.stringify(r.riskFactors),
          intervention_type: r.interventionType,
          intervention_triggered: r.interventionTriggered,
        })),
      )
      .onConflict(['user_id', 'scan_id'])
      .merge({
        risk_score: this.db.raw('excluded.risk_score'),
        method: this.db.raw('excluded.method'),
        risk_factors: this.db.raw('excluded.risk_factors'),
        intervention_type: this.db.raw('coalesce(churn_risk_scores.intervention_type, excluded.intervention_type)'),
        intervention_triggered: this.db.raw(
          'churn_risk_scores.intervention_triggered OR excluded.intervention_triggered',
        ),
        calculated_at: this.db.fn.now(),
      });
  }

  /**
   * Contacts among these that had an intervention since `since` in a scan other than `exceptScanId` (a retried
   * batch of the same scan must find its own decisions, not count them against the cool-down).
   */
  async intervenedSince(contactIds: readonly string[], since: Date, exceptScanId: string): Promise<Set<string>> {
    if (contactIds.length === 0) return new Set();
    const ids: string[] = await this.db('churn_risk_scores')
      .whereIn('user_id', [...contactIds])
      .where('intervention_triggered', true)
      .where('calculated_at', '>=', since)
      .where((w) => w.whereNot('scan_id', exceptScanId).orWhereNull('scan_id'))
      .distinct('user_id')
      .pluck('user_id');
    return new Set(ids);
  }

  /** This scan's intervention decisions for these contacts, by contact. */
  async decisionsOfScan(contactIds: readonly string[], scanId: string): Promise<Map<string, string>> {
    if (contactIds.length === 0) return new Map();
    const rows: { user_id: string; intervention_type: string }[] = await this.db('churn_risk_scores')
      .whereIn('user_id', [...contactIds])
      .where({ scan_id: scanId, intervention_triggered: true })
      .select('user_id', 'intervention_type');
    return new Map(rows.map((r) => [r.user_id, r.intervention_type]));
  }

  /** The latest scores of a contact, newest first. */
  async scoresOf(contactId: string, limit = 10) {
    return this.db('churn_risk_scores').where({ user_id: contactId }).orderBy('calculated_at', 'desc').limit(limit);
  }
}
