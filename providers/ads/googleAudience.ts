import { z } from 'zod';
import { hashGoogleEmail } from './audienceHash';
import { carriesKey, idempotencyTag, taggedName } from './campaignNames';
import type { HttpClient } from './http';
import { numeric } from './money';
import { AdPlatformError, type AudienceTarget } from './types';

/** A consent signal of Google's ConsentStatus enum. */
export type GoogleConsentStatus = 'GRANTED' | 'DENIED';

/** The consent the uploaded people gave, sent with every Customer Match upload (Google requires it for the EEA). */
export interface GoogleAudienceConsent {
  adUserData: GoogleConsentStatus;
  adPersonalization: GoogleConsentStatus;
}

/** Google's limit on user identifiers in one `offlineUserDataJobs:addOperations` request. */
export const CUSTOMER_MATCH_BATCH_SIZE = 100_000;
// Customer Match membership lasts at most 540 days; the audience sync uploads each member again after 180.
const MEMBERSHIP_LIFE_SPAN_DAYS = 540;
const USER_LIST_NAME_LIMIT = 255;

const userListRows = z.array(
  z.object({
    results: z
      .array(z.object({ userList: z.object({ id: numeric.optional(), name: z.string().optional() }).optional() }))
      .default([]),
  }),
);
const mutateResponse = z.object({ results: z.array(z.object({ resourceName: z.string() })).min(1) });
const createJobResponse = z.object({ resourceName: z.string().regex(/\/offlineUserDataJobs\/\d+$/) });
const addOperationsResponse = z.looseObject({
  partialFailureError: z.looseObject({ code: z.number().optional(), message: z.string().optional() }).optional(),
});

/**
 * Customer Match through the Google Ads REST API: a CRM-based user list (CONTACT_INFO) named with the idempotency
 * tag, and members uploaded as hashed emails through an offline user data job (create, addOperations, run). Google
 * matches the upload hours later and reports no count at upload time, so `matched` stays undefined.
 */
export class GoogleCustomerMatch implements AudienceTarget {
  readonly batchSize = CUSTOMER_MATCH_BATCH_SIZE;

  constructor(
    private readonly http: HttpClient,
    private readonly customerId: string,
    private readonly consent?: GoogleAudienceConsent,
  ) {}

  // Arrow properties: callers may pass these around without their object.
  readonly hashEmail = hashGoogleEmail;

  readonly ensureAudience = async ({ key, name }: { key: string; name: string }): Promise<{ externalId: string }> => {
    const existing = await this.findUserList(key);
    if (existing) return { externalId: existing };
    try {
      const { data } = await this.http.requestJson(
        {
          method: 'POST',
          path: 'userLists:mutate',
          json: {
            operations: [
              {
                create: {
                  name: taggedName(name, key, USER_LIST_NAME_LIMIT),
                  description: 'Kept equal to a segment by the go-to-market engine; members are replaced on sync.',
                  membershipStatus: 'OPEN',
                  membershipLifeSpan: MEMBERSHIP_LIFE_SPAN_DAYS,
                  crmBasedUserList: { uploadKeyType: 'CONTACT_INFO', dataSourceType: 'FIRST_PARTY' },
                },
              },
            ],
          },
        },
        mutateResponse,
      );
      return { externalId: idOf(data.results[0]!.resourceName) };
    } catch (err) {
      // A concurrent sync may have created it between our lookup and our create (NAME_ALREADY_USED).
      const raced = err instanceof AdPlatformError && err.status === 400 ? await this.findUserList(key) : undefined;
      if (raced) return { externalId: raced };
      throw err;
    }
  };

  readonly addMembers = async (externalId: string, hashes: string[]): Promise<{ matched?: number }> => {
    await this.upload(externalId, 'create', hashes);
    return {};
  };

  readonly removeMembers = async (externalId: string, hashes: string[]): Promise<void> => {
    await this.upload(externalId, 'remove', hashes);
  };

  private async findUserList(key: string): Promise<string | undefined> {
    // As for campaigns: the tag holds no LIKE wildcard, and the exact check drops keys that only share a prefix.
    const { data } = await this.http.requestJson(
      {
        method: 'POST',
        path: 'googleAds:searchStream',
        json: {
          query:
            'SELECT user_list.id, user_list.name FROM user_list ' +
            `WHERE user_list.name LIKE '%${idempotencyTag(key)}%'`,
        },
      },
      userListRows,
    );
    const match = data
      .flatMap((batch) => batch.results)
      .find((row) => row.userList?.name !== undefined && carriesKey(row.userList.name, key));
    return match?.userList?.id === undefined ? undefined : String(match.userList.id);
  }

  /**
   * One job per call, of one kind: Google refuses a job mixing additions and removals (CONFLICTING_OPERATION).
   * Hashes go as they are: Google checks them (INVALID_SHA256_FORMAT), and partial failure stays off so that one
   * bad hash fails the whole call instead of being dropped quietly. A job left unrun by a failed call is never
   * applied, and the activity's retry makes a new one.
   */
  private async upload(externalId: string, kind: 'create' | 'remove', hashes: string[]): Promise<void> {
    if (hashes.length === 0) return;
    const userList = `customers/${this.customerId}/userLists/${userListId(externalId)}`;
    // Consent describes the people being added; a removal needs none.
    const consent = kind === 'create' && this.consent ? { consent: this.consent } : {};
    const { data: job } = await this.http.requestJson(
      {
        method: 'POST',
        path: 'offlineUserDataJobs:create',
        json: { job: { type: 'CUSTOMER_MATCH_USER_LIST', customerMatchUserListMetadata: { userList, ...consent } } },
      },
      createJobResponse,
    );
    const path = `offlineUserDataJobs/${idOf(job.resourceName)}`;
    for (let i = 0; i < hashes.length; i += this.batchSize) {
      const operations = hashes.slice(i, i + this.batchSize).map((hashedEmail) => ({
        [kind]: { userIdentifiers: [{ hashedEmail }] },
      }));
      const { data } = await this.http.requestJson(
        { method: 'POST', path: `${path}:addOperations`, json: { enablePartialFailure: false, operations } },
        addOperationsResponse,
      );
      if (data.partialFailureError && data.partialFailureError.code !== 0) {
        throw new AdPlatformError(
          `Google Ads refused part of a Customer Match upload: ${data.partialFailureError.message ?? 'no detail'}`,
          { platform: 'google', retryable: false },
        );
      }
    }
    await this.http.request({ method: 'POST', path: `${path}:run`, json: {} });
  }
}

function idOf(resourceName: string): string {
  return resourceName.slice(resourceName.lastIndexOf('/') + 1);
}

/** User list ids are int64; anything else would be spliced into a resource name, so it is refused. */
function userListId(externalId: string): string {
  if (!/^\d{1,19}$/.test(externalId)) {
    throw new AdPlatformError(`not a Google Ads user list id: ${JSON.stringify(externalId)}`, {
      platform: 'google',
      retryable: false,
    });
  }
  return externalId;
}
