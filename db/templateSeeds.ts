import type { Knex } from 'knex';
import { compiledBuiltins } from '../templates/builtins';
import { TemplateStore } from './stores/templates';

/** Who the shipped versions are recorded as created by. */
export const SHIPPED_BY = 'gtm-strategist';

/**
 * Stores the templates that ship with the product (templates/email) as version 1 of each, marked 'shipped', unless
 * a template of that key is there already. Each is compiled as a marketer's save would be; one that does not compile
 * stops the migration, since it would fail every message it sends.
 */
export async function seedShippedTemplates(knex: Knex): Promise<string[]> {
  const store = new TemplateStore(knex);
  const created: string[] = [];
  for (const { template: b, artifact, uses } of await compiledBuiltins()) {
    const { content: _content, ...settings } = b;
    const meta = { ...settings, from: null, replyTo: null };
    const first = {
      defaultLocale: 'en',
      content: { en: { ...b.content, text: b.content.text ?? null } },
      artifacts: { en: artifact },
      uses,
      warnings: [],
      source: 'shipped' as const,
      restoredFrom: null,
      createdBy: SHIPPED_BY,
    };
    if (await store.create(meta, first, true)) created.push(b.key);
  }
  return created;
}
