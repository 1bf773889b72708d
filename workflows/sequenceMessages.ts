import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ProductEvent, SequenceState, SequenceWorkflowInput, SequenceWorkflowResult } from './types';

// What clients exchange with the sequence workflow, apart from its code: services and the API import these without
// importing the workflow (and through it the activities' types).

/** The workflow type name clients start runs by. */
export const SEQUENCE_WORKFLOW = 'sequenceWorkflow';
export type SequenceWorkflow = (input: SequenceWorkflowInput) => Promise<SequenceWorkflowResult>;

export const eventSignal = defineSignal<[ProductEvent]>('event');
export const unsubscribeSignal = defineSignal('unsubscribe');
export const exitSignal = defineSignal<[{ reason?: string }]>('exit');
export const stateQuery = defineQuery<SequenceState>('state');
