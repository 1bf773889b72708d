import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { BroadcastRunState } from './types';

/** Who asks for a pause, resume or cancel. */
export interface BroadcastActor {
  by: string;
}

/** Stops sending between two sends; the recipients not sent yet wait. Answers the new state. */
export const pauseBroadcastUpdate = defineUpdate<BroadcastRunState, [BroadcastActor]>('pause');
/** Sends again after a pause. */
export const resumeBroadcastUpdate = defineUpdate<BroadcastRunState, [BroadcastActor]>('resume');
/** Ends the broadcast: nothing more is sent (an open approval request is withdrawn). */
export const cancelBroadcastUpdate = defineUpdate<BroadcastRunState, [BroadcastActor]>('cancel');
/** The run's status, audience size and sends so far. */
export const broadcastStateQuery = defineQuery<BroadcastRunState>('state');

/** Failure type of a pause, resume or cancel the broadcast's status does not allow; the API answers 409. */
export const BROADCAST_REFUSED = 'BroadcastActionRefused';
