import { api } from '../api.js';
import { clear, h } from '../ui.js';
import { field, may, money, openPanel, showProblems } from './campaignFields.js';
import { openReallocation } from './campaignReallocate.js';

/**
 * The buttons a campaign's page offers: only the ones the campaign's state and the signed-in role allow (the run
 * would answer anything else with a 409, the API with a 403). `view` carries the campaign, its live state, the
 * message line, the panel the forms open in, and `refresh(flash)`, which draws the page again with a message.
 */
export function controls(ctx, view) {
  const { state } = view;
  const policy = ctx.meta && ctx.meta.approvalPolicy;
  const buttons = [];
  if (may(ctx, 'pause', state)) buttons.push(control(view, 'pause', 'Pause'));
  if (may(ctx, 'resume', state)) buttons.push(control(view, 'resume', 'Resume', 'primary'));
  if (may(ctx, 'budget', state)) {
    buttons.push(
      h('button', {
        type: 'button',
        id: 'change-budget',
        onclick: () => budgetForm(view, policy),
        text: 'Change budget…',
      }),
    );
  }
  if (may(ctx, 'reallocate', state) && view.campaign.platforms.length > 1) {
    buttons.push(
      h('button', {
        type: 'button',
        id: 'reallocate-open',
        onclick: () => openReallocation(view),
        text: 'Reallocate…',
      }),
    );
  }
  if (may(ctx, 'cancel', state)) {
    buttons.push(
      h('button', {
        type: 'button',
        id: 'cancel',
        class: 'danger',
        onclick: () => confirmCancel(view),
        text: 'Cancel campaign…',
      }),
    );
  }
  return buttons;
}

const DONE = { pause: 'Paused on every platform.', resume: 'Resumed: the campaign is delivering again.' };
const UNDER_WAY = {
  pause: 'Pausing: the platforms are being told.',
  resume: 'Resuming: the platforms are being told.',
};

/** Pause or resume: one request, then the page again with what the run answered (a 409's reason included). */
function control(view, action, text, kind) {
  return h('button', {
    type: 'button',
    id: action,
    class: kind,
    text,
    onclick: async (e) => {
      e.currentTarget.disabled = true;
      view.message.textContent = action === 'pause' ? 'Pausing…' : 'Resuming…';
      try {
        const { status } = await api('POST', `/v1/campaigns/${view.campaign.id}/${action}`, {});
        await view.refresh({ text: status === 202 ? UNDER_WAY[action] : DONE[action] });
      } catch (err) {
        // The state the page showed was out of date (or the budget is used up): show why, and the state now.
        await view.refresh({ text: err.message, error: true });
      }
    },
  });
}

function confirmCancel(view) {
  const c = view.campaign;
  const reason = h('input', { id: 'cancel-reason', name: 'reason', maxlength: 500 });
  const heading = h('h2', { id: 'cancel-title', tabindex: '-1', text: `Cancel ${c.name}?` });
  const confirm = h('button', {
    type: 'submit',
    class: 'danger',
    id: 'confirm-cancel',
    text: 'Yes, cancel the campaign',
  });
  const { close } = openPanel(
    view,
    'cancel',
    h(
      'form',
      {
        id: 'cancel-confirm',
        'aria-labelledby': 'cancel-title',
        onsubmit: async (e) => {
          e.preventDefault();
          confirm.disabled = true;
          const body = reason.value.trim() ? { reason: reason.value.trim() } : {};
          try {
            const { status } = await api('POST', `/v1/campaigns/${c.id}/cancel`, body);
            await view.refresh({
              text: status === 202 ? 'Cancelling: the platforms are being told.' : 'Cancelled on every platform.',
            });
          } catch (err) {
            await view.refresh({ text: err.message, error: true });
          }
        },
      },
      heading,
      h('p', {
        text:
          'It stops on every platform and cannot be started again; what was spent stays spent. A request ' +
          'waiting for the chairman is withdrawn.',
      }),
      field('Reason (optional)', reason, 'Kept with the campaign and in the audit log.'),
      h(
        'div',
        { class: 'row' },
        confirm,
        h('button', { type: 'button', id: 'keep-campaign', onclick: () => close(), text: 'Keep it running' }),
      ),
    ),
  );
  heading.focus();
}

/**
 * What increases are measured against, as the run keeps it: the last budget the chairman approved, or the one the
 * campaign started with (the first change's starting point, or the budget now when it never changed).
 */
function approvedBudget(c, live) {
  const changes = (live && live.budgetChanges) || [];
  const decided = changes.filter((ch) => ch.status === 'applied' && ch.decidedBy !== undefined);
  if (decided.length) return decided[decided.length - 1].to;
  return changes.length ? changes[0].from : live ? live.budget : c.budget;
}

/**
 * Why a new budget would wait for the chairman, or null when it applies at once: the approval policy of
 * domain/approvalPolicy.ts, told in advance. The run decides; this only warns before the request goes.
 */
function approvalNeeded(proposed, current, approved, policy, currency) {
  if (!policy || !(proposed > current) || proposed <= approved) return null;
  const increase = approved > 0 ? ((proposed - approved) / approved) * 100 : Infinity;
  if (increase > policy.budgetIncreasePct) {
    return `it is more than ${policy.budgetIncreasePct}% over ${money(approved, currency)}, the last approved budget`;
  }
  const threshold = policy.campaignBudgetThreshold;
  if (proposed > threshold && approved <= threshold) return `it lifts the budget over ${money(threshold, currency)}`;
  return null;
}

/** The sentence under the amount: whether the change applies at once or waits for the chairman. */
function approvalWords(proposed, current, approved, policy, currency) {
  if (!(proposed > 0) || proposed === current) return '';
  const why = approvalNeeded(proposed, current, approved, policy, currency);
  if (why) {
    return `This change needs the chairman's approval: ${why}. Until it is approved, the budget stays ${money(current, currency)}.`;
  }
  return proposed < current
    ? 'No approval needed: a decrease applies at once.'
    : 'No approval needed: it applies at once.';
}

/** The policy in a sentence, with this installation's figures. */
function policyWords(policy, approved, currency) {
  if (!policy) return 'An increase over the approval policy waits for the chairman.';
  return (
    `An increase of more than ${policy.budgetIncreasePct}% over ${money(approved, currency)} (the last budget ` +
    `the chairman approved), or one that lifts the budget over ${money(policy.campaignBudgetThreshold, currency)}, ` +
    "waits for the chairman's approval."
  );
}

function budgetForm(view, policy) {
  const c = view.campaign;
  const live = view.live;
  const current = live ? live.budget : c.budget;
  const spent = live && live.lastSync ? live.spent : c.spent;
  const approved = approvedBudget(c, live);
  const amount = h('input', {
    id: 'new-budget',
    name: 'budget',
    type: 'number',
    required: true,
    min: 0.01,
    step: 0.01,
    value: String(current),
  });
  const reason = h('input', { id: 'budget-reason', name: 'reason', maxlength: 500 });
  const approval = h('p', { id: 'budget-approval', class: 'small', 'aria-live': 'polite' });
  const showApproval = () => {
    approval.textContent = approvalWords(Number(amount.value), current, approved, policy, c.currency);
    approval.className = `small${approval.textContent.startsWith('This change') ? ' notice' : ''}`;
  };
  amount.addEventListener('input', showApproval);
  const status = h('div', { role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary', text: 'Change the budget' });
  const heading = h('h2', { id: 'budget-title', tabindex: '-1', text: 'Change the budget' });
  const form = h(
    'form',
    {
      id: 'budget-form',
      'aria-labelledby': 'budget-title',
      onsubmit: async (e) => {
        e.preventDefault();
        submit.disabled = true;
        clear(status);
        const body = { budget: Number(amount.value), ...(reason.value.trim() ? { reason: reason.value.trim() } : {}) };
        try {
          const { body: r } = await api('POST', `/v1/campaigns/${c.id}/budget`, body);
          await view.refresh({ text: budgetAnswer(r, c.currency) });
        } catch (err) {
          submit.disabled = false;
          clear(status, h('div', { class: 'error-box', text: showProblems(form, err).join(' ') }));
        }
      },
    },
    heading,
    h('p', {
      class: 'muted small',
      text:
        `Now ${money(current, c.currency)}, of which ${money(spent, c.currency)} is spent. A decrease applies at ` +
        `once (never below what is spent). ${policyWords(policy, approved, c.currency)} What is left is spread ` +
        'evenly over the days left.',
    }),
    h(
      'div',
      { class: 'form-grid' },
      field(`New budget (${c.currency})`, amount, 'For the whole campaign, in its currency.'),
      field('Reason (optional)', reason, 'The chairman reads it with the request.'),
    ),
    approval,
    h('div', { class: 'row' }, submit, h('button', { type: 'button', onclick: () => opened.close(), text: 'Close' })),
    status,
  );
  // The approval sentence describes the amount too, so a screen reader reads it with the field.
  amount.setAttribute('aria-describedby', `${amount.getAttribute('aria-describedby')} budget-approval`);
  const opened = openPanel(view, 'change-budget', form);
  heading.focus();
}

/** The budget update's answer in a sentence: applied, or the chairman's to decide. */
function budgetAnswer(r, currency) {
  if (r.status === 'applied') return `The budget is now ${money(r.budget, currency)}.`;
  return (
    `Waiting for the chairman's approval: the budget would go from ${money(r.budget, currency)} to ` +
    `${money(r.requested, currency)} (${r.reason}). Until he decides, it stays ${money(r.budget, currency)}.`
  );
}
