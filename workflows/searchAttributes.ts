import { defineSearchAttributeKey } from '@temporalio/common';

/** Custom search attributes our workflows set, so operators can filter runs in the Temporal UI. */
export const SEARCH_ATTRIBUTES = {
  VentureId: 'Keyword',
  CampaignStatus: 'Keyword',
  SequenceKey: 'Keyword',
  ContactId: 'Keyword',
} as const;

export const ventureIdKey = defineSearchAttributeKey('VentureId', 'KEYWORD');
export const campaignStatusKey = defineSearchAttributeKey('CampaignStatus', 'KEYWORD');
export const sequenceKeyKey = defineSearchAttributeKey('SequenceKey', 'KEYWORD');
export const contactIdKey = defineSearchAttributeKey('ContactId', 'KEYWORD');
