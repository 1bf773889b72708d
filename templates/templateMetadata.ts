/** What the product knows about an email template besides its text. */
export interface TemplateMetadata {
  /**
   * Mail a person needs whatever they chose about marketing: receipts, password resets, approvals, alerts to the
   * people who run the product. It goes out to people who unsubscribed, without List-Unsubscribe and outside the
   * frequency cap, so it is declared here, with the template, by whoever ships the templates; a sequence cannot
   * make a template transactional. Every template not marked so is marketing.
   */
  transactional?: true;
  /** The call to action the template's button stands for; the sender turns it into `cta_url`. */
  cta?: string;
  /** The subject a template starts with when no sequence step gives one (notifications and confirmations). */
  subject?: string;
}

/** One entry per template under templates/email; a template without one is marketing with no call to action. */
export const templateMetadata: Readonly<Record<string, TemplateMetadata>> = {
  welcome: { cta: 'complete_profile' },
  first_action: { cta: 'create_first_item' },
  next_steps: { cta: 'invite_team' },
  nurture_intro: { cta: 'read_guide' },
  nurture_quick_wins: { cta: 'start_trial' },
  nurture_team_playbook: { cta: 'start_trial' },
  nurture_case_study: { cta: 'read_case_studies' },
  nurture_best_practices: { cta: 'start_trial' },
  nurture_demo_invite: { cta: 'book_demo' },
  winback_offer: { cta: 'reactivate' },
  winback_reminder: { cta: 'login' },
  winback_last_chance: { cta: 'reactivate' },
  // Shown in the product's in-app inbox to a customer the churn scan finds at risk.
  retention_offer: { cta: 'reactivate', subject: 'A month on us, {{or first_name "there"}}' },
  expansion_upgrade: { cta: 'upgrade' },
  expansion_usage_tips: { cta: 'view_usage' },
  expansion_invite_team: { cta: 'invite_team' },
  // Internal notifications to the chairman, escalation contacts and customer success.
  approval_request: { transactional: true, cta: 'review_approval', subject: 'Approval needed: {{approval.title}}' },
  approval_reminder: {
    transactional: true,
    cta: 'review_approval',
    subject: 'Reminder: {{approval.title}} is waiting for your decision',
  },
  approval_escalation: { transactional: true, cta: 'review_approval', subject: 'Escalated: {{approval.title}}' },
  budget_alert: {
    transactional: true,
    cta: 'open_campaign',
    subject: '{{budget.name}} has spent {{budget.percent}}% of its budget',
  },
  ad_credential_alert: {
    transactional: true,
    cta: 'open_ad_platforms',
    subject: '{{credential.setting}} needs renewing',
  },
  customer_success_alert: {
    transactional: true,
    cta: 'open_account',
    subject: 'Churn risk: {{account.name}} needs a personal touch',
  },
  // Double opt-in: asked for, so transactional; its button goes to `confirm_url`, not to a call to action.
  topic_confirmation: { transactional: true, subject: 'Confirm your subscription to {{topic_name}}' },
  account_access: { transactional: true, subject: 'Choose your {{product_name}} password' },
};
