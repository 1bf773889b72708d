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
/**
 * The contact's id as the client gave it (`POST /v1/contacts` `id`), so `ContactId = 'user-1'` finds their runs.
 * Enrollments started by releases up to 0.3.0 carry the internal id here instead, as every workflow id still does.
 */
export const contactIdKey = defineSearchAttributeKey('ContactId', 'KEYWORD');

/** The memo field in which an enrollment shows the client's contact id in the Temporal UI. */
export const CONTACT_MEMO_KEY = 'contactId';
