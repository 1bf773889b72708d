import { api, get } from '../api.js';
import { clear, h, problem } from '../ui.js';
import { canBuild, field, linkButton, listOf, pageHead, showProblems } from './campaignFields.js';

/** An address name from a venture's name: "Acme Notes!" becomes "acme-notes". */
const slugOf = (name) =>
  name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 100);

/** The venture form: `new` creates one (POST /v1/ventures), `edit` changes the selected one (PATCH). */
export async function renderVentureForm(el, ctx, mode) {
  const editing = mode === 'edit';
  const title = editing ? 'Edit venture' : 'New venture';
  const back = h('p', { class: 'small' }, h('a', { href: '#/campaigns', text: '← Campaigns' }));
  if (!canBuild(ctx)) {
    return clear(
      el,
      back,
      h('h1', { text: title }),
      h('p', { class: 'notice', text: 'Only a marketer changes ventures.' }),
    );
  }
  let venture = null;
  if (editing) {
    if (!ctx.ventureId) return renderVentureForm(el, ctx, 'new');
    try {
      venture = await get(`/v1/ventures/${encodeURIComponent(ctx.ventureId)}`);
    } catch (err) {
      return clear(el, back, h('h1', { text: title }), problem(err, 'The venture'));
    }
  }
  clear(
    el,
    back,
    pageHead(
      editing ? `Edit ${venture.name}` : title,
      'A venture is the product you take to market. Its campaigns, sequences and the overview all belong to ' +
        'it; the name, keywords and brand tone also guide the content written for it.',
    ),
    form(ctx, venture),
  );
}

function form(ctx, venture) {
  const v = venture || {};
  const input = (id, name, attrs = {}) => h('input', { id, name, ...attrs });
  const name = input('venture-name', 'name', { required: true, maxlength: 200, value: v.name ?? '' });
  const slug = input('venture-slug', 'slug', {
    required: true,
    maxlength: 100,
    pattern: '[a-z0-9]+(-[a-z0-9]+)*',
    value: v.slug ?? '',
    spellcheck: 'false',
  });
  const product = input('venture-product', 'productName', {
    required: true,
    maxlength: 200,
    value: v.productName ?? '',
  });
  const description = h('textarea', { id: 'venture-description', name: 'description', maxlength: 5000 });
  description.value = v.description ?? '';
  const industry = input('venture-industry', 'industry', { maxlength: 100, value: v.industry ?? '' });
  const category = input('venture-category', 'category', { maxlength: 100, value: v.category ?? '' });
  const website = input('venture-website', 'website', {
    type: 'url',
    maxlength: 500,
    placeholder: 'https://',
    value: v.website ?? '',
  });
  const keywords = input('venture-keywords', 'keywords', { value: (v.keywords || []).join(', ') });
  const tone = input('venture-tone', 'tone', { maxlength: 200, value: (v.brand && v.brand.tone) || '' });
  const values = input('venture-values', 'values', { value: ((v.brand && v.brand.values) || []).join(', ') });

  // The address name follows the name until someone types one (an existing venture keeps its own).
  let slugTyped = Boolean(venture);
  name.addEventListener('input', () => {
    if (!slugTyped) slug.value = slugOf(name.value);
  });
  slug.addEventListener('input', () => (slugTyped = slug.value !== ''));

  const status = h('div', { id: 'venture-form-status', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary', text: venture ? 'Save changes' : 'Create venture' });
  const el = h(
    'form',
    {
      id: 'venture-form',
      class: 'panel campaign-form',
      onsubmit: async (e) => {
        e.preventDefault();
        const text = (c) => c.value.trim();
        // Empty optional fields: left out of a new venture, cleared (null) on an existing one.
        const optional = (c) => (text(c) ? text(c) : venture ? null : undefined);
        const body = {
          name: text(name),
          slug: text(slug),
          productName: text(product),
          description: optional(description),
          industry: optional(industry),
          category: optional(category),
          website: optional(website),
          keywords: listOf(keywords.value),
          brand: { values: listOf(values.value), ...(text(tone) ? { tone: text(tone) } : {}) },
        };
        for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
        submit.disabled = true;
        clear(status);
        try {
          const { body: saved } = venture
            ? await api('PATCH', `/v1/ventures/${encodeURIComponent(venture.id)}`, body)
            : await api('POST', '/v1/ventures', body);
          await done(ctx, saved);
        } catch (err) {
          submit.disabled = false;
          const lines = showProblems(el, err);
          clear(status, h('div', { class: 'error-box' }, h('strong', { text: 'Not saved. ' }), lines.join(' ')));
        }
      },
    },
    h(
      'div',
      { class: 'form-grid' },
      field('Name', name, 'How the team calls it, e.g. Acme.'),
      field('Address name', slug, 'Lowercase letters, digits and single dashes, e.g. acme-notes; must be unique.'),
      field('Product name', product, 'What customers buy, as they see it, e.g. Acme Notes.'),
      field('Website', website, 'An http or https address; optional.'),
      field('Industry', industry, 'Optional, e.g. Productivity software.'),
      field('Category', category, 'Optional, e.g. Note taking.'),
    ),
    field('Description', description, 'Optional: what it is and for whom, in a few sentences.'),
    h(
      'div',
      { class: 'form-grid' },
      field('Keywords', keywords, 'Comma-separated, e.g. note taking, team wiki.'),
      field('Brand tone', tone, 'How the brand speaks, e.g. friendly and plain.', 'brand.tone'),
      field('Brand values', values, 'Comma-separated, e.g. clarity, privacy.', 'brand.values'),
    ),
    h('div', { class: 'row' }, submit, linkButton('#/campaigns', 'Cancel')),
    status,
  );
  return el;
}

/** Goes back to the list with the saved venture selected; the reload of the ventures draws it anew. */
async function done(ctx, venture) {
  // Without a hashchange: the reload below routes once, to the list.
  history.replaceState(null, '', '#/campaigns');
  await ctx.reloadVentures(venture.id);
}
