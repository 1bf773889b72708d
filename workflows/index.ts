export * from './sequenceWorkflow';
export * from './influencerScoringWorkflow';
export * from './strategyWorkflow';
export * from './churnScanWorkflow';
export * from './approvalWorkflow';
export * from './campaignWorkflow';
