export {
  CURRENT_SPEND_DAYS,
  DEFAULT_DRAWS,
  DEFAULT_HOLDOUT_SHARE,
  fitMediaMix,
  MAX_DRAWS,
  type HoldoutQuality,
  type MediaMixChannel,
  type MediaMixFit,
  type MediaMixOptions,
} from './fitMediaMix';
export {
  channelsOf,
  dayProblems,
  fitWork,
  MAX_CHANNELS,
  MAX_FIT_WORK,
  MAX_DAYS,
  MediaMixDataError,
  minimumDays,
  type MediaMixProblem,
  type MediaMixRefusal,
} from './identify';
export { channelEffects, predictConversions, type MediaMixDay } from './model';
export { fitQuality, type FitQuality } from './quality';
export { DEFAULT_BLOCK_DAYS } from './bootstrap';
