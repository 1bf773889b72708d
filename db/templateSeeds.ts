import type { Knex } from 'knex';
import { builtinTemplates } from '../templates/builtins';
import { compileTemplate } from '../templates/engine/compile';
import type { TemplateRef } from '../templates/engine/types';
import { TemplateStore } from './stores/templates';

/** Who the shipped versions are recorded as created by. */
export const SHIPPED_BY = 'gtm-strategist';

/**
 * Stores the templates that ship with the product (templates/email) as version 1 of each, marked 'shipped', unless
 * a template of that key is there already. Each is compiled as a marketer's save would be; one that does not compile
 * stops the migration, since it would fail every message it sends.
 */
export async function seedShippedTemplates(knex: Knex): Promise<string[]> {
  const builtins = builtinTemplates();
  const refs = new Map<string, TemplateRef>(
    builtins.map((b) => [
      b.key,
      { key: b.key, kind: b.kind, format: b.format, body: b.content.body, text: b.content.text ?? null },
    ]),
  );
  const store = new TemplateStore(knex);
  const created: string[] = [];
  for (const b of builtins) {
    const layout = b.layout ? refs.get(b.layout) : undefined;
    const result = await compileTemplate({
      key: b.key,
      kind: b.kind,
      format: b.format,
      transactional: b.transactional,
      locale: 'en',
      content: b.content,
      ...(layout ? { layout } : {}),
      lookup: (key) => refs.get(key),
    });
    if (!result.artifact || result.errors.length > 0) {
      throw new Error(
        `shipped template '${b.key}' does not compile: ${result.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
      );
    }
    const meta = {
      key: b.key,
      name: b.name,
      kind: b.kind,
      format: b.format,
      transactional: b.transactional,
      layout: b.layout,
      from: null,
      replyTo: null,
      cta: b.cta,
    };
    const first = {
      defaultLocale: 'en',
      content: { en: { ...b.content, text: b.content.text ?? null } },
      artifacts: { en: result.artifact },
      uses: result.uses,
      warnings: [],
      source: 'shipped' as const,
      restoredFrom: null,
      createdBy: SHIPPED_BY,
    };
    if (await store.create(meta, first, true)) created.push(b.key);
  }
  return created;
}
