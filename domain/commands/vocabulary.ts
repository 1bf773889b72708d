/** What the command language knows: its intents, the shape of a parsed command, and the words it recognises. */

export const commandIntents = [
  'gtm_performance',
  'find_influencers',
  'optimize_budget',
  'top_channels',
  'approve',
  'reject',
  'pause_campaign',
  'resume_campaign',
  'sequence_count',
  'pending_approvals',
  'help',
  'unknown',
] as const;

export type CommandIntent = (typeof commandIntents)[number];

/** A month range relative to the day the command is said: this month, last month, or a named month. */
export interface MonthRef {
  /** 'this', 'last', or a month number 1-12 (the most recent such month, this one included). */
  month: 'this' | 'last' | number;
}

export type ParsedCommand =
  | { intent: 'gtm_performance'; parameters: { ventureName: string } }
  | {
      intent: 'find_influencers';
      parameters: { category?: string; platform?: string; minFollowers?: number; maxFollowers?: number };
    }
  | { intent: 'optimize_budget'; parameters: { campaignName: string } }
  | { intent: 'top_channels'; parameters: MonthRef & { ventureName?: string } }
  | { intent: 'approve'; parameters: { subject: string; comment?: string } }
  | { intent: 'reject'; parameters: { subject: string; comment?: string } }
  | { intent: 'pause_campaign'; parameters: { campaignName: string } }
  | { intent: 'resume_campaign'; parameters: { campaignName: string } }
  | { intent: 'sequence_count'; parameters: { sequenceName: string } }
  | { intent: 'pending_approvals'; parameters: Record<string, never> }
  | { intent: 'help'; parameters: Record<string, never> }
  | { intent: 'unknown'; parameters: { text: string } };

/** Examples of what is understood, for the help answer and the unknown one. */
export const COMMAND_EXAMPLES: readonly string[] = [
  'show gtm performance for Acme Notes',
  'find influencers for fitness with 10k followers',
  'optimize budget allocation for Spring Launch',
  'what are the top performing channels this month',
  'what is waiting for my approval',
  'approve the spring launch campaign',
  'reject the spring launch campaign because the timing is wrong',
  'pause campaign Always-on Search',
  'resume campaign Always-on Search',
  'how many users are in onboarding',
];

export const INFLUENCER_PLATFORMS = [
  'instagram',
  'tiktok',
  'youtube',
  'twitter',
  'linkedin',
  'facebook',
  'twitch',
  'pinterest',
  'snapchat',
] as const;

export const PLATFORM_ALIASES: Record<string, string> = {
  x: 'twitter',
  'you tube': 'youtube',
  'tik tok': 'tiktok',
  ig: 'instagram',
  insta: 'instagram',
};

export const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
