// The form of a send step: the channel it sends on, the template (only those whose format the channel sends), a
// webhook's URL, an email's sender, and the subject (the title of an in-app message or a push). Changing the channel
// drops what the new one does not take, so the stored step holds only its channel's fields; email is said by
// leaving `channel` out, as a definition written before channels existed does.
import { h } from '../ui.js';
import { field, textInput } from './sequenceBuilderFields.js';
import { SEND_CHANNELS, channelInfo, channelOf } from './sequenceBuilderWords.js';

/** The subject field's label and help per channel; a channel not listed (SMS, webhook) has no subject to write. */
const SUBJECT_FIELD = {
  email: [
    'Subject (optional)',
    'Leave empty to use the template’s own subject; {{first_name}} and the other variables work here too.',
  ],
  in_app: ['Title (optional)', 'The inbox shows it as the message’s title; leave empty to use the template’s subject.'],
  push: ['Title (optional)', 'The notification’s title; leave empty to use the template’s subject.'],
};

/** Whether a channel sends a template's format (a template listed without one is an HTML email). */
const fits = (template, channel) => (SEND_CHANNELS[channel]?.formats || []).includes(template.format || 'html');

/** "text", "text or json". */
const formatWords = (formats) => [...new Set(formats)].join(' or ');

/** The fields of a send step, for stepForm (sequenceBuilderSteps.js). */
export function sendFields(env, step) {
  const channel = channelOf(step);
  const info = channelInfo(step);
  const transactionalOnly = env.category() === 'transactional';
  const choices = env.templates.filter((t) => (!transactionalOnly || t.transactional) && fits(t, channel));
  const chosen = () => env.templates.find((t) => t.key === step.template);

  const setChannel = (next) => {
    if (next === 'email') delete step.channel;
    else step.channel = next;
    if (next !== 'webhook') delete step.url;
    if (next !== 'email') delete step.from;
    if (!SUBJECT_FIELD[next]) delete step.subject;
    const template = chosen();
    if (template && !fits(template, next)) delete step.template;
    env.restructured(env.id(step, 'channel'));
  };
  const channelSelect = h(
    'select',
    {
      name: 'channel',
      id: env.id(step, 'channel'),
      'data-path': 'channel',
      'data-first': true,
      onchange: (e) => setChannel(e.target.value),
    },
    Object.entries(SEND_CHANNELS).map(([value, c]) =>
      h('option', { value, text: c.label, selected: value === channel }),
    ),
    SEND_CHANNELS[channel]
      ? null
      : h('option', { value: channel, text: `${channel} (not known here)`, selected: true }),
  );

  const subjectWords = SUBJECT_FIELD[channel];
  const subject = subjectWords ? textInput(env, step, 'subject', { placeholder: 'the template’s subject' }) : null;
  const from = channel === 'email' ? textInput(env, step, 'from', { autocomplete: 'off' }) : null;
  const showTemplateDefaults = async () => {
    if (from) from.placeholder = chosen()?.from ? `the template’s: ${chosen().from}` : 'the template’s sender';
    if (!subject) return;
    const s = step.template ? await env.subjectOf(step.template) : undefined;
    subject.placeholder = s ? `the template’s: ${s}` : 'the template’s subject';
  };

  const known = choices.some((t) => t.key === step.template);
  // A stored step may name a template the list leaves out: its option says so, and when its format is the reason.
  const stray = chosen();
  const template = h(
    'select',
    {
      name: 'template',
      id: env.id(step, 'template'),
      'data-path': 'template',
      required: true,
      onchange: (e) => {
        if (e.target.value) step.template = e.target.value;
        else delete step.template;
        env.changed(step);
        showTemplateDefaults();
      },
    },
    h('option', { value: '', text: 'Choose a template…' }),
    step.template && !known
      ? h('option', {
          value: step.template,
          text:
            stray && !fits(stray, channel)
              ? `${step.template} (a ${stray.format} template: ${info.label} does not send it)`
              : `${step.template} (not in the list)`,
          selected: true,
        })
      : null,
    choices.map((t) => h('option', { value: t.key, text: `${t.name} (${t.key})`, selected: t.key === step.template })),
  );
  showTemplateDefaults();
  const formats = formatWords(info.formats);
  const none = choices.length
    ? null
    : h(
        'p',
        { class: 'sb-help sb-template-none', id: env.id(step, 'template-none') },
        `No ${transactionalOnly ? 'transactional ' : ''}template fits ${info.label}: it sends ${formats} templates. `,
        'Make one on the ',
        h('a', { href: '#/templates', text: 'Templates page' }),
        `, format ${formats}.`,
      );
  const templateField = field(
    'Template',
    template,
    transactionalOnly
      ? `A transactional sequence may send only transactional templates, in a format this channel sends (${formats}).`
      : `Only the templates in a format this channel sends are listed (${formats}).`,
  );
  if (none) template.setAttribute('aria-describedby', `${none.id} ${template.getAttribute('aria-describedby')}`);

  return [
    field(
      'Channel',
      channelSelect,
      'Email unless you choose another: SMS goes to contacts with a phone who agreed to texts, a push to their devices.',
    ),
    templateField,
    none,
    channel === 'webhook'
      ? field(
          'URL',
          textInput(env, step, 'url', {
            type: 'url',
            required: true,
            placeholder: 'https://hooks.example.com/gtm',
            autocomplete: 'off',
          }),
          'Where the step POSTs the rendered JSON, signed: an http or https address.',
        )
      : null,
    from
      ? field(
          'From (optional)',
          from,
          'A sender MAIL_FROM_ALLOWED allows, such as Ada at Acme <ada@acme.example>; leave empty for the template’s.',
        )
      : null,
    subject ? field(subjectWords[0], subject, subjectWords[1]) : null,
  ];
}
