import type { Config } from '../config/config';

/** The run's page in the Temporal UI, for operators and for the chairman's "see the history" link. */
export function temporalRunLink(
  config: Pick<Config, 'temporalUiUrl' | 'TEMPORAL_NAMESPACE'>,
  workflowId: string,
): string {
  return `${config.temporalUiUrl}/namespaces/${encodeURIComponent(config.TEMPORAL_NAMESPACE)}/workflows/${encodeURIComponent(workflowId)}`;
}
