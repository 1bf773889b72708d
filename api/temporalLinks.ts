import type { Config } from '../config/config';

/** The run's page in the Temporal UI, for operators and for the chairman's "see the history" link. */
export function temporalRunLink(
  config: Pick<Config, 'temporalUiUrl' | 'TEMPORAL_NAMESPACE'>,
  workflowId: string,
): string {
  return `${config.temporalUiUrl}/namespaces/${encodeURIComponent(config.TEMPORAL_NAMESPACE)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** Rejects after `ms`: a live view must not hang a request when no worker answers queries. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
