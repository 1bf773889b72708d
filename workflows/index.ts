export * from './sequenceWorkflow';
export * from './approvalWorkflow';
