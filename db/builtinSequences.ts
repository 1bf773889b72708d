import { builtinSequences } from '../domain/sequences/builtins';
import { sequenceDefinitionSchema } from '../domain/sequences/definition';
import type { Db } from './knex';
import { SequenceStore } from './stores/sequences';

/** Stores the built-in sequences that are not there yet; ones a marketer edited are left as they are. */
export async function installBuiltinSequences(db: Db): Promise<string[]> {
  const store = new SequenceStore(db);
  const created: string[] = [];
  for (const input of builtinSequences) {
    const definition = sequenceDefinitionSchema.parse(input);
    if (await store.create(definition, true)) created.push(definition.key);
  }
  return created;
}
