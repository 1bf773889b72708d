/**
 * The campaign workflow's query and the update other workflows' activities call (a reallocation proposal applies
 * its split through `reallocate`), declared apart from the workflow so that activities and services can name them
 * without importing the workflow and everything it imports.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { CampaignStatusView, ReallocateInput, ReallocateResult } from './types';

/** Splits the daily budget between the platforms: the split given, else the channel-mix optimiser's. */
export const reallocateUpdate = defineUpdate<ReallocateResult, [ReallocateInput]>('reallocate');
export const campaignStatusQuery = defineQuery<CampaignStatusView>('status');
