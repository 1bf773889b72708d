/**
 * Text and voice commands: what a marketer or the chairman says, turned into an intent with parameters. Pure: the
 * names it finds are resolved against the stored ventures, campaigns, sequences and approvals by the caller, with
 * {@link bestMatch}, which forgives a near miss ("sprng launch") the way speech recognition makes them.
 *
 * The language lives in `domain/commands/`: its vocabulary, text clean-up, quantities, the parser, name matching and
 * the words of the answers. This module gathers them under one import.
 */
export {
  commandIntents,
  COMMAND_EXAMPLES,
  INFLUENCER_PLATFORMS,
  type CommandIntent,
  type MonthRef,
  type ParsedCommand,
} from './commands/vocabulary';
export { cleanName, normalizeText, stripFillers } from './commands/text';
export { parseFollowerRange, parseQuantity } from './commands/quantity';
export { parseCommand } from './commands/parseCommand';
export {
  ACTING_INTENTS,
  AMBIGUITY_MARGIN,
  bestMatch,
  levenshtein,
  MATCH_THRESHOLD,
  matchModeFor,
  nameSimilarity,
  trigramSimilarity,
  type MatchMode,
  type MatchOutcome,
  type NameCandidate,
} from './commands/matching';
export { monthRange, unknownCommandSpeech } from './commands/speech';
export { spokenDuration, spokenMoney, spokenNumber } from './format';
