import type { Db } from '../knex';

export interface VentureBrand {
  values: string[];
  tone?: string;
  [key: string]: unknown;
}

export interface Venture {
  id: string;
  name: string;
  slug: string;
  productName: string;
  description: string | null;
  industry: string | null;
  category: string | null;
  website: string | null;
  keywords: string[];
  brand: VentureBrand;
  targetMarket: Record<string, unknown>;
  /** Free-form inputs of the models (readiness, scoring), as the venture's people describe it. */
  profile: Record<string, unknown>;
  /** Reallocation proposals under the chairman's percentage apply on their own (else they wait for a marketer). */
  autoApplyReallocations: boolean;
  createdAt: Date;
  updatedAt: Date;
}

interface VentureRow {
  id: string;
  name: string;
  slug: string;
  product_name: string;
  description: string | null;
  industry: string | null;
  category: string | null;
  website: string | null;
  keywords: string[];
  brand: VentureBrand;
  target_market: Record<string, unknown>;
  profile: Record<string, unknown>;
  auto_apply_reallocations: boolean;
  created_at: Date;
  updated_at: Date;
}

const toVenture = (r: VentureRow): Venture => ({
  id: r.id,
  name: r.name,
  slug: r.slug,
  productName: r.product_name,
  description: r.description,
  industry: r.industry,
  category: r.category,
  website: r.website,
  keywords: r.keywords ?? [],
  brand: { ...r.brand, values: Array.isArray(r.brand?.values) ? r.brand.values : [] },
  targetMarket: r.target_market ?? {},
  profile: r.profile ?? {},
  autoApplyReallocations: r.auto_apply_reallocations ?? false,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export interface VentureInput {
  name: string;
  slug: string;
  productName: string;
  description?: string | null;
  industry?: string | null;
  category?: string | null;
  website?: string | null;
  keywords?: string[];
  brand?: VentureBrand;
  targetMarket?: Record<string, unknown>;
  profile?: Record<string, unknown>;
  autoApplyReallocations?: boolean;
}

export type VenturePatch = Partial<VentureInput>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Thrown when a slug is taken by another venture. */
export class SlugTakenError extends Error {
  constructor(readonly slug: string) {
    super(`the slug '${slug}' is taken by another venture`);
  }
}

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === '23505';

/** Ventures: the companies campaigns, strategies and influencer matches belong to. */
export class VentureStore {
  constructor(private readonly db: Db) {}

  async create(input: VentureInput): Promise<Venture> {
    try {
      const [row] = await this.db('ventures').insert(this.columns(input)).returning('*');
      return toVenture(row as VentureRow);
    } catch (err) {
      if (isUniqueViolation(err)) throw new SlugTakenError(input.slug);
      throw err;
    }
  }

  /** Changes only the fields given. Undefined when there is no such venture. */
  async update(id: string, patch: VenturePatch): Promise<Venture | undefined> {
    if (!UUID.test(id)) return undefined;
    try {
      const [row] = await this.db('ventures')
        .where({ id })
        .update({ ...this.columns(patch), updated_at: this.db.fn.now() })
        .returning('*');
      return row ? toVenture(row as VentureRow) : undefined;
    } catch (err) {
      if (isUniqueViolation(err) && patch.slug) throw new SlugTakenError(patch.slug);
      throw err;
    }
  }

  async getById(id: string): Promise<Venture | undefined> {
    if (!UUID.test(id)) return undefined;
    const row = await this.db<VentureRow>('ventures').where({ id }).first();
    return row && toVenture(row);
  }

  /** By id or by slug, whichever the caller has. */
  async get(idOrSlug: string): Promise<Venture | undefined> {
    const row = UUID.test(idOrSlug)
      ? await this.db<VentureRow>('ventures').where({ id: idOrSlug }).first()
      : await this.db<VentureRow>('ventures').where({ slug: idOrSlug }).first();
    return row && toVenture(row);
  }

  async list(filter: { limit?: number; offset?: number } = {}): Promise<Venture[]> {
    const rows = await this.db<VentureRow>('ventures')
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .limit(filter.limit ?? 100)
      .offset(filter.offset ?? 0);
    return rows.map(toVenture);
  }

  private columns(v: VenturePatch): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (v.name !== undefined) out.name = v.name;
    if (v.slug !== undefined) out.slug = v.slug;
    if (v.productName !== undefined) out.product_name = v.productName;
    if (v.description !== undefined) out.description = v.description;
    if (v.industry !== undefined) out.industry = v.industry;
    if (v.category !== undefined) out.category = v.category;
    if (v.website !== undefined) out.website = v.website;
    if (v.keywords !== undefined) out.keywords = v.keywords;
    if (v.brand !== undefined) out.brand = JSON.stringify(v.brand);
    if (v.targetMarket !== undefined) out.target_market = JSON.stringify(v.targetMarket);
    if (v.profile !== undefined) out.profile = JSON.stringify(v.profile);
    if (v.autoApplyReallocations !== undefined) out.auto_apply_reallocations = v.autoApplyReallocations;
    return out;
  }
}
