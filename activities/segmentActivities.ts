import type { AudienceSettings } from './audienceSettings';

export interface SegmentActivityDeps {
  audience?: AudienceSettings;
}

export function createSegmentActivities(_deps: SegmentActivityDeps) {
  return {};
}
