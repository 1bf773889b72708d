import { builtinTemplates, compiledBuiltins } from './builtins';
import { renderTemplate, type ResolvedTemplate } from './library';

type Vars = Record<string, unknown>;

const MARKETING = [
  'welcome',
  'first_action',
  'next_steps',
  'nurture_intro',
  'nurture_quick_wins',
  'nurture_team_playbook',
  'nurture_case_study',
  'nurture_best_practices',
  'nurture_demo_invite',
  'winback_offer',
  'winback_reminder',
  'winback_last_chance',
  'expansion_upgrade',
  'expansion_usage_tips',
  'expansion_invite_team',
  // The churn scan's in-app retention offer.
  'retention_offer',
];
const TRANSACTIONAL = [
  'approval_request',
  'approval_reminder',
  'approval_escalation',
  'budget_alert',
  'ad_credential_alert',
  'customer_success_alert',
  'topic_confirmation',
  'account_access',
];

const UNSUBSCRIBE = 'https://mail.example.test/u/abc123';
const CTA = 'https://app.example.test/go/next';
const CONFIRM = 'https://mail.example.test/c/tok';
const SET_PASSWORD = 'https://app.example.test/#/reset-password/tok';

const full: Vars = {
  product_name: 'Acme Boards',
  first_name: 'Ada',
  venture_name: 'Acme Inc.',
  cta_url: CTA,
  unsubscribe_url: UNSUBSCRIBE,
  preferences_url: 'https://mail.example.test/prefs/abc123',
  company_address: '1 Market Street, San Francisco, CA 94105',
  sender_name: 'Grace from Acme',
  topic_name: 'Newsletter',
  confirm_url: CONFIRM,
  set_password_url: SET_PASSWORD,
  expires_in: '1 hour',
  traits: { company: 'Globex', discount_code: 'TRAIT10', team_size: 1 },
  event: { discount_code: 'BACK20', discount_percent: 20, offer_expires: 'March 31', metric: 'projects', percent: 92 },
  approval: {
    title: 'Spring launch campaign',
    summary: 'Paid social in DE and FR for three weeks.',
    subject_type: 'budget_change',
    amount: 4500,
    currency: 'EUR',
    requested_by: 'Linus',
    approver: 'Margaret',
    waiting_for: '2 days',
    expires_at: '2026-04-01 17:00 UTC',
  },
  budget: {
    name: 'Spring launch',
    spent: 4050,
    limit: 4500,
    currency: 'EUR',
    percent: 90,
    period: 'April',
    paused: true,
  },
  account: { name: 'Globex', email: 'ops@globex.test', plan: 'Pro', mrr: 490, currency: 'EUR' },
  churn: { probability: 82, reasons: ['No logins for 21 days', 'Seats dropped from 12 to 4'], winback: true },
};
const minimal: Vars = { product_name: 'Acme Boards', unsubscribe_url: UNSUBSCRIBE };

const builtins = builtinTemplates();
const emailKeys = builtins.filter((b) => b.kind === 'email').map((b) => b.key);
const shipped = new Map<string, ResolvedTemplate>();

beforeAll(async () => {
  for (const { template: b, artifact } of await compiledBuiltins()) {
    if (b.kind !== 'email') continue;
    shipped.set(b.key, {
      key: b.key,
      version: 1,
      format: b.format,
      transactional: b.transactional,
      from: null,
      replyTo: null,
      cta: b.cta ?? b.key,
      defaultLocale: 'en',
      artifacts: { en: artifact },
    });
  }
});

function template(key: string): ResolvedTemplate {
  const t = shipped.get(key);
  if (!t) throw new Error(`no shipped email template '${key}' (shipped: ${[...shipped.keys()].join(', ')})`);
  return t;
}

/** Renders as a step does that gives its own subject; `{ subject: undefined }` takes the template's. */
const render = (key: string, vars: Vars, options: { subject?: string } = { subject: 'Hello from {{product_name}}' }) =>
  renderTemplate(template(key), vars, options);

describe('shipped email templates', () => {
  it('are every template the sequences and features need, and nothing else', () => {
    expect(emailKeys).toEqual([...MARKETING, ...TRANSACTIONAL].sort());
  });

  it('are transactional exactly where declared, marketing otherwise', () => {
    const transactional = builtins.filter((b) => b.kind === 'email' && b.transactional).map((b) => b.key);
    expect(transactional.sort()).toEqual([...TRANSACTIONAL].sort());
  });

  it('say what each is for, except the confirmation, whose button confirms', () => {
    const cta = (key: string) => builtins.find((b) => b.key === key)?.cta;
    expect(cta('welcome')).toBe('complete_profile');
    expect(cta('first_action')).toBe('create_first_item');
    expect(cta('next_steps')).toBe('invite_team');
    expect(cta('topic_confirmation')).toBeNull();
    const without = emailKeys.filter((key) => typeof cta(key) !== 'string' || cta(key) === '');
    expect(without).toEqual(['account_access', 'topic_confirmation']);

    const confirmation = render('topic_confirmation', full);
    expect(confirmation.html).toContain(`href="${CONFIRM}"`);
    expect(confirmation.html).not.toContain(CTA);
    expect(confirmation.text).toContain(`Confirm subscription: ${CONFIRM}`);
  });
});

describe.each(emailKeys)('%s', (key) => {
  const button = key === 'topic_confirmation' ? CONFIRM : key === 'account_access' ? SET_PASSWORD : CTA;

  it('renders with every variable', () => {
    const email = render(key, full);
    for (const part of [email.html, email.text]) {
      expect(part).toContain('Acme Boards');
      expect(part).toContain('Hi Ada,');
      expect(part).toContain(button);
      expect(part).not.toMatch(/undefined|\[object Object\]|\{\{|NaN/);
    }
    expect(email.subject).toBe('Hello from Acme Boards');
    expect(email.html).toMatch(/^<!DOCTYPE html>/);
    expect(email.html).toContain('<title>Hello from Acme Boards</title>');
  });

  it('renders with only the required variables', () => {
    const email = render(key, minimal);
    for (const part of [email.html, email.text]) {
      expect(part).toContain('Hi there,');
      expect(part).not.toMatch(/undefined|\[object Object\]|\{\{|NaN|Hi ,/);
    }
    // No URL, no button: better than a link to nowhere.
    expect(email.html).not.toContain('href=""');
    expect(email.text).not.toMatch(/: $/m);
  });

  it('keeps text tidy: no runs of blank lines, no trailing spaces, no tags', () => {
    for (const vars of [full, minimal]) {
      const { text } = render(key, vars);
      expect(text).not.toMatch(/\n{3,}/);
      expect(text).not.toMatch(/[ \t]+$/m);
      expect(text).not.toMatch(/<\/?[a-z]+[ >]/);
    }
  });

  it('refuses to render without a product name', () => {
    expect(() => render(key, { ...full, product_name: '' })).toThrow(/product_name/);
    expect(() => render(key, { unsubscribe_url: UNSUBSCRIBE })).toThrow(/product_name/);
  });

  if (MARKETING.includes(key)) {
    it('carries the unsubscribe link, the reason and the postal address in HTML and text', () => {
      const email = render(key, full);
      expect(email.html).toContain(`<a href="${UNSUBSCRIBE}"`);
      expect(email.text).toContain(`Unsubscribe: ${UNSUBSCRIBE}`);
      expect(email.html).toContain('1 Market Street, San Francisco, CA 94105');
      expect(email.text).toContain('1 Market Street, San Francisco, CA 94105');
      expect(email.text).toContain("You're getting this email because");
      expect(render(key, minimal).html).toContain(`<a href="${UNSUBSCRIBE}"`);
    });

    it('refuses to render without an unsubscribe link', () => {
      expect(() => render(key, { product_name: 'Acme Boards' })).toThrow(/unsubscribe_url/);
    });
  } else {
    it('is transactional: no unsubscribe footer, and none needed', () => {
      const email = render(key, { product_name: 'Acme Boards' });
      expect(email.html).not.toMatch(/unsubscribe/i);
      expect(email.text).not.toMatch(/unsubscribe/i);
    });
  }
});

describe('rendering a shipped template for a recipient', () => {
  const hostile = '<script>alert(1)</script>';
  const mustache = '{{constructor.constructor}} {{{lookup this "x"}}} {{> button}}';

  it('escapes user values in HTML and shows them literally in text', () => {
    const email = render('winback_offer', {
      ...full,
      first_name: hostile,
      traits: { company: mustache, discount_code: '"><img src=x onerror=alert(1)>' },
      event: {},
    });
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('Hi &lt;script&gt;alert(1)&lt;/script&gt;,');
    expect(email.html).toContain('{{constructor.constructor}} {{{lookup this &quot;x&quot;}}} {{&gt; button}}');
    expect(email.html).not.toContain('<img');
    expect(email.html).toContain('&quot;&gt;&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
    // Plain text is not HTML: the same values appear as typed, and are not evaluated either.
    expect(email.text).toContain(`Hi ${hostile},`);
    expect(email.text).toContain(mustache);
  });

  it('does not evaluate handlebars syntax in values used by the subject', () => {
    const email = render(
      'welcome',
      { ...minimal, first_name: '{{constructor}}' },
      { subject: '{{first_name}}, welcome to {{product_name}}' },
    );
    expect(email.subject).toBe('{{constructor}}, welcome to Acme Boards');
  });

  it('keeps apostrophes in text unescaped', () => {
    expect(render('welcome', { ...minimal, first_name: "Siobhán O'Brien" }).text).toContain("Hi Siobhán O'Brien,");
  });

  it("renders the subject as one line of text, the step's own or else the template's", () => {
    const email = render(
      'welcome',
      { ...minimal, first_name: 'Ada\r\nBcc: victim@example.test' },
      { subject: '{{#if first_name}}{{first_name}}, welcome{{else}}Welcome{{/if}} to {{product_name}}' },
    );
    expect(email.subject).toBe('Ada Bcc: victim@example.test, welcome to Acme Boards');
    expect(render('welcome', minimal, {}).subject).toBe('Welcome to Acme Boards');
    const approval = render('approval_request', { ...full, approval: { title: 'Spring\nlaunch' } }, {});
    expect(approval.subject).toBe('Approval needed: Spring launch');
  });

  it('does not reach inherited properties of values', () => {
    const email = render(
      'nurture_team_playbook',
      { ...full, traits: {} },
      { subject: '{{traits.constructor}}x{{traits.__proto__}}' },
    );
    expect(email.subject).toBe('x');
  });

  it('winback takes the code from the event first, then from traits, and copes with neither', () => {
    expect(render('winback_offer', full).text).toContain('BACK20');
    expect(render('winback_offer', full).text).toContain('20% off');
    const fromTraits = render('winback_offer', { ...full, event: {} }).text;
    expect(fromTraits).toContain('TRAIT10');
    expect(fromTraits).toContain('a discount on');
    expect(render('winback_offer', minimal).text).toContain('Your workspace is exactly as you left it');
  });

  it('takes event values from the trigger when the latest event does not have them', () => {
    const fromTrigger = { ...minimal, event: {}, trigger: { discount_code: 'TRIG15', percent: 95, metric: 'seats' } };
    expect(render('winback_offer', fromTrigger).text).toContain('TRIG15');
    expect(render('winback_reminder', fromTrigger).html).toContain('<strong>TRIG15</strong>');
    expect(render('expansion_upgrade', fromTrigger).text).toContain('95% of its seats limit');
    expect(render('expansion_usage_tips', fromTrigger).text).toContain('95% of your seats allowance');
    expect(render('expansion_upgrade', { ...minimal, trigger: { percent: 91 } }).text).toContain(
      '91% of its plan limit',
    );
  });

  it('expansion uses the event properties', () => {
    expect(render('expansion_upgrade', full).text).toContain('92% of its projects limit');
    expect(render('expansion_upgrade', minimal).text).toContain('close to its plan limits');
  });

  it('internal templates show their data', () => {
    const request = render('approval_request', full);
    expect(request.text).toContain('Linus is asking for your approval on a budget change for Acme Inc.:');
    expect(request.html).toContain('Amount: €4,500.00');
    expect(render('approval_reminder', { ...full, approval: { amount: '12000.00', currency: 'USD' } }).text).toContain(
      '($12,000.00)',
    );
    const iso = render('approval_request', { ...full, approval: { expires_at: '2026-12-02T09:00:00.000Z' } });
    expect(iso.text).toContain('Please decide by 2 December 2026, 09:00 UTC;');
    // Text that is no ISO timestamp is shown as given.
    expect(request.text).toContain('Please decide by 2026-04-01 17:00 UTC;');
    expect(render('approval_escalation', full).text).toContain('no decision for 2 days from Margaret');
    expect(render('budget_alert', full).text).toContain(
      'Spring launch has spent 4050 of its 4500 EUR budget for April (90%).',
    );
    const expiring = render('ad_credential_alert', {
      ...full,
      credential: {
        platform: 'meta',
        setting: 'META_ACCESS_TOKEN',
        valid: true,
        expires_on: '2026-12-14',
        days_left: 11,
      },
    });
    expect(expiring.text).toContain('The meta credential in META_ACCESS_TOKEN expires on 2026-12-14, in 11 days.');
    const refused = render('ad_credential_alert', {
      ...full,
      credential: { platform: 'google', setting: 'GOOGLE_ADS_REFRESH_TOKEN', valid: false, detail: 'invalid_grant' },
    });
    expect(refused.html).toContain('google refused the credential in <strong>GOOGLE_ADS_REFRESH_TOKEN</strong>.');
    expect(refused.text).toContain('google said: invalid_grant');
    const alert = render('customer_success_alert', full);
    expect(alert.html).toContain('<li>Seats dropped from 12 to 4</li>');
    expect(alert.text).toContain('- No logins for 21 days');
  });

  it('says who the footer is from and lets the reason be overridden', () => {
    const email = render('nurture_intro', { ...full, reason: 'You subscribed to the Acme newsletter.' });
    expect(email.text).toContain('You subscribed to the Acme newsletter.');
    expect(email.html).toContain('You subscribed to the Acme newsletter.');
    expect(email.text).not.toContain("You're getting this email because");
    expect(email.text).toContain('Acme Inc., 1 Market Street');
    expect(email.text).toContain('Grace from Acme');
  });
});
