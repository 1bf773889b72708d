import { get } from '../api.js';
import { clear, emptyState, fmt, h, pageHead, problem } from '../ui.js';

const HELP =
  'Every email this server sent, caught before it left: read approval requests, tests and unsubscribe links here.';

export async function render(el, ctx) {
  if (!ctx.meta.mailCatcher) {
    return clear(
      el,
      pageHead('Mail', HELP),
      h('p', {
        class: 'notice info',
        text: 'The local mail catcher is off: SMTP_URL (or SendGrid) is set, so messages go to that server. This page lists mail only on the embedded default.',
      }),
    );
  }
  let messages;
  try {
    messages = (await get('/v1/dev/mail')).messages;
  } catch (err) {
    return clear(el, pageHead('Mail', HELP), problem(err, 'The mail catcher'));
  }
  const viewer = h(
    'div',
    { class: 'panel', id: 'mail-viewer' },
    h('p', { class: 'muted', text: messages.length ? 'Choose a message.' : '' }),
  );
  const show = (m, button) => {
    for (const b of el.querySelectorAll('.mail li button')) {
      b.classList.toggle('selected', b === button);
      b.setAttribute('aria-pressed', String(b === button));
    }
    // sandbox with no allowances: the message's HTML cannot run scripts, submit forms or reach this page.
    const frame = h('iframe', { sandbox: '', title: `Email: ${m.subject}`, referrerpolicy: 'no-referrer' });
    frame.srcdoc = m.html || `<pre>${m.text.replace(/[<&]/g, (c) => (c === '<' ? '&lt;' : '&amp;'))}</pre>`;
    clear(
      viewer,
      h('h2', { text: m.subject }),
      h('p', { class: 'small muted', text: `From ${m.from} to ${m.to} · ${fmt.date(m.receivedAt)}` }),
      frame,
    );
  };
  clear(
    el,
    pageHead(`Mail (${messages.length})`, HELP),
    messages.length === 0
      ? emptyState(
          'mail-empty',
          'No mail caught yet. Send a test from a template, or start a broadcast, and it shows here.',
          h('a', { href: '#/templates', text: 'Open the templates' }),
        )
      : h(
          'div',
          { class: 'mail' },
          h(
            'ul',
            { class: 'list', 'aria-label': 'Caught messages' },
            messages.map((m) => {
              const b = h(
                'button',
                { type: 'button', 'aria-controls': 'mail-viewer' },
                h('strong', { text: m.subject }),
                h('span', { class: 'small muted', text: `${m.to} · ${fmt.ago(m.receivedAt)}` }),
              );
              b.addEventListener('click', () => show(m, b));
              return h('li', {}, b);
            }),
          ),
          viewer,
        ),
  );
  if (messages[0]) show(messages[0], el.querySelector('.mail li button'));
}
