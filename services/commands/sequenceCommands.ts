import { EnrollmentStore } from '../../db/stores/enrollments';
import { SequenceStore } from '../../db/stores/sequences';
import { bestMatch, spokenNumber, type ParsedCommand } from '../../domain/commands';
import { answer, firstNames, unresolved, type CommandAnswer, type CommandDeps } from './answers';

/** "how many users are in onboarding": active enrollments of a sequence, by version when more than one runs. */
export async function sequenceCount(deps: CommandDeps, parsed: ParsedCommand, said: string): Promise<CommandAnswer> {
  const sequences = await new SequenceStore(deps.db).list(true);
  const candidates = sequences.map((s) => ({ names: [s.name, s.key], value: s }));
  const match = bestMatch(said, candidates);
  if (match.status !== 'matched') return unresolved(parsed, 'sequence', said, match, firstNames(candidates));
  const sequence = match.value;
  const byVersion = await new EnrollmentStore(deps.db).countActiveByVersion(sequence.key);
  const active = Object.values(byVersion).reduce((a, b) => a + b, 0);
  const versions = Object.keys(byVersion);
  const speech =
    `${active === 0 ? 'No contacts are' : active === 1 ? '1 contact is' : `${spokenNumber(active)} contacts are`} in ${sequence.name} right now` +
    (versions.length > 1 ? ` (${versions.map((v) => `${byVersion[v]} on version ${v}`).join(', ')})` : '') +
    '.';
  return answer(parsed, { sequence: { key: sequence.key, name: sequence.name }, active, byVersion }, speech);
}
