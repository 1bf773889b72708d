// What the builder sends, and the obvious gaps it points out before sending. The server checks everything again
// (docs/sequences.md): these checks only save a round trip for a field left empty, in the same shape as a 400's
// `problems` ({ path: 'steps.1.duration', message }), so both show the same way.

/** The definition to publish: the draft without empty rows or empty optional text. */
export function definitionOf(draft) {
  const def = JSON.parse(JSON.stringify(draft));
  const filled = (m) => Object.entries(m).some(([k, v]) => k !== 'where' && typeof v === 'string' && v.trim());
  for (const list of ['triggers', 'goals', 'exits']) if (Array.isArray(def[list])) def[list] = def[list].filter(filled);
  // No exits is said by leaving the field out, as a definition written by hand would.
  if (Array.isArray(def.exits) && def.exits.length === 0) delete def.exits;
  for (const k of ['description', 'topic']) if (typeof def[k] === 'string' && !def[k].trim()) delete def[k];
  return def;
}

const STEP_ID = /^[A-Za-z0-9_-]+$/;

/** The problems anyone would spot: a missing name, template, amount or target. */
export function localProblems(def, { isNew }) {
  const out = [];
  const say = (path, message) => out.push({ path, message });
  if (isNew && !/^[a-z0-9][a-z0-9-]*$/.test(def.key || ''))
    say('key', 'Give the sequence a key: lowercase letters, digits and -, such as trial-welcome.');
  if (!String(def.name || '').trim()) say('name', 'Give the sequence a name.');
  if (def.category === 'marketing' && !def.topic)
    say('topic', 'Choose the topic its email is sent under: a contact who leaves that topic gets none of it.');
  if (!def.steps.length) say('steps', 'Add a first step: the enrollment starts there.');
  const seen = new Set();
  def.steps.forEach((s, i) => {
    const at = (field, message) => say(`steps.${i}${field ? `.${field}` : ''}`, message);
    if (!STEP_ID.test(s.id || '')) at('id', 'The step needs an id of letters, digits, _ and -.');
    else if (seen.has(s.id)) at('id', `Another step already has the id ${s.id}.`);
    seen.add(s.id);
    const target = (field, what) => s[field] === undefined && at(field, `Choose the step ${what}.`);
    switch (s.type) {
      case 'send':
        if (!s.template) at('template', 'Choose the template to send.');
        break;
      case 'wait':
        if (s.until === undefined && s.duration === undefined)
          at('duration', 'Say how long to wait: the amount is missing.');
        break;
      case 'waitFor':
        if (!s.event) at('event', 'Name the event to wait for.');
        if (s.timeout === undefined) at('timeout', 'Say how long to wait at most: the amount is missing.');
        target('onEvent', 'the event leads to');
        target('onTimeout', 'a timeout leads to');
        (s.otherEvents || []).forEach((o, k) => {
          if (!o.event) at(`otherEvents.${k}.event`, 'Name the event, or remove the row.');
          if (!o.next) at(`otherEvents.${k}.next`, 'Choose the step this event leads to.');
        });
        break;
      case 'branch':
        for (const c of comparisons(s.condition))
          if (!/^(traits|event|trigger|contact)(\.[A-Za-z0-9_-]+)+$/.test(c.field || ''))
            at('condition', 'Name what the condition looks at, such as the trait plan.');
        target('then', 'a yes leads to');
        target('else', 'a no leads to');
        break;
      case 'split':
        s.variants.forEach((v, k) => {
          if (!v.key) at(`variants.${k}.key`, 'Name the variant.');
          if (!(v.weight > 0)) at(`variants.${k}.weight`, 'A weight is a number above 0.');
          if (!v.next) at(`variants.${k}.next`, 'Choose the step this variant leads to.');
        });
        break;
      case 'goto':
        target('target', 'to go to');
        break;
    }
  });
  return out;
}

function comparisons(cond) {
  if (!cond || typeof cond !== 'object') return [];
  if (Array.isArray(cond.all)) return cond.all.flatMap(comparisons);
  if (Array.isArray(cond.any)) return cond.any.flatMap(comparisons);
  if (cond.not) return comparisons(cond.not);
  return [cond];
}
