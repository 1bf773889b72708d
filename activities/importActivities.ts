import type { AudienceSettings } from './audienceSettings';

export interface ImportActivityDeps {
  audience?: AudienceSettings;
}

export function createImportActivities(_deps: ImportActivityDeps) {
  return {};
}
