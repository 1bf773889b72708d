export * from './sequenceWorkflow';
