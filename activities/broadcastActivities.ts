import type { AudienceSettings } from './audienceSettings';

export interface BroadcastActivityDeps {
  audience?: AudienceSettings;
}

export function createBroadcastActivities(_deps: BroadcastActivityDeps) {
  return {};
}
