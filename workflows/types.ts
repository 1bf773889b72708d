/**
 * Every workflow's input, result and message types under one import, declared by workflow in the modules below.
 * Types only: nothing here reaches the workflow bundle at run time.
 */
export type * from './sequenceTypes';
export type * from './approvalTypes';
export type * from './campaignTypes';
export type * from './intelligenceTypes';
export type * from './templateTypes';
