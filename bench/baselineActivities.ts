/** The baseline workflow's activity: does nothing, so the figure is Temporal's and the worker's alone. */
export function createBaselineActivities() {
  return {
    /** Returns at once. */
    async noop(): Promise<void> {},
  };
}
