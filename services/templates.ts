import type { Db } from '../db/knex';
import {
  TemplateStore,
  type NewVersion,
  type TemplateMeta,
  type TemplateRecord,
  type TemplateVersion,
} from '../db/stores/templates';
import { channelLayoutProblem, compileTemplate, subjectProblem } from '../templates/engine/compile';
import {
  isEmailFormat,
  type Artifact,
  type LocaleContent,
  type TemplateFormat,
  type TemplateKind,
  type TemplateProblem,
  type TemplateRef,
} from '../templates/engine/types';
import type { TemplateCatalogue } from '../domain/sequences/validate';
import { knownVariables } from './templateVariables';

/** A template as the API creates it: its settings and the content of one locale. */
export interface TemplateInput {
  key: string;
  name: string;
  kind: TemplateKind;
  format: TemplateFormat;
  /** An email's subject line; a push's title for a text or json template, where it may be empty. */
  subject: string;
  body: string;
  text?: string | null;
  locale: string;
  transactional: boolean;
  /** A layout's key; null for none; by default the layout that fits the format (see defaultLayout). */
  layout?: string | null;
  from?: string | null;
  replyTo?: string | null;
}

/** A change: new settings, and the content of one locale (a locale the template lacks adds a variant). */
export type TemplatePatch = Partial<Omit<TemplateInput, 'key' | 'kind' | 'format'>>;

/** Content that does not compile, or settings that name what is not there; the API answers 400 with each problem. */
export class TemplateInputError extends Error {
  constructor(readonly problems: TemplateProblem[]) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
  }
}
export class TemplateExistsError extends Error {}
export class TemplateInUseError extends Error {
  constructor(
    readonly key: string,
    readonly usedBy: { sequences: string[]; broadcasts: string[]; templates: string[] },
  ) {
    super(
      `template '${key}' is used by ${[
        ...usedBy.sequences.map((s) => `sequence '${s}'`),
        ...usedBy.broadcasts.map((b) => `broadcast ${b}`),
        ...usedBy.templates.map((t) => `template '${t}'`),
      ].join(', ')}`,
    );
  }
}

/** What a save publishes: the template, its new version, and the variables no context provides. */
export interface Published {
  template: TemplateRecord;
  version: TemplateVersion;
  warnings: TemplateProblem[];
}

/**
 * The layout a new email template gets when it names none: the one that fits its format and kind; none for a
 * layout, a partial, or a text or json template (which never has one).
 */
export function defaultLayout(input: Pick<TemplateInput, 'kind' | 'format' | 'transactional' | 'body'>): string | null {
  if (input.kind !== 'email' || !isEmailFormat(input.format)) return null;
  if (input.format === 'mjml') return /^\s*<mjml[\s>]/i.test(input.body) ? null : 'mjml_base';
  return input.transactional ? 'internal' : 'base';
}

function metaOf(input: TemplateInput): TemplateMeta {
  return {
    key: input.key,
    name: input.name,
    kind: input.kind,
    format: input.format,
    transactional: input.transactional,
    layout: input.layout === undefined ? defaultLayout(input) : input.layout,
    from: input.from ?? null,
    replyTo: input.replyTo ?? null,
    cta: null,
  };
}

const contentOf = (input: TemplateInput): Record<string, LocaleContent> => ({
  [input.locale]: { subject: input.subject, body: input.body, text: input.text ?? null },
});

/** Layouts and partials by key: what compiling an email template may splice in. */
type Library = Map<string, { template: TemplateRecord; ref: TemplateRef }>;

/** A layout or partial as a compile splices it in: its default locale's source. */
const refOf = (template: TemplateMeta, version: Pick<TemplateVersion, 'content' | 'defaultLocale'>): TemplateRef => {
  const content = version.content[version.defaultLocale] as LocaleContent;
  return {
    key: template.key,
    kind: template.kind,
    format: template.format,
    body: content.body,
    text: content.text ?? null,
  };
};

/**
 * Saving, versioning and restoring templates: every save compiles each locale (MJML once, Handlebars checked) and
 * publishes an immutable version, so what a message renders from never changes under it. A layout or partial that
 * changes re-publishes the templates assembled from it, or is refused if that would break one of them.
 */
export class TemplateService {
  readonly store: TemplateStore;

  constructor(private readonly db: Db) {
    this.store = new TemplateStore(db);
  }

  private async library(): Promise<Library> {
    const current = await this.store.currentOf(['layout', 'partial']);
    return new Map(current.map(({ template, version }) => [template.key, { template, ref: refOf(template, version) }]));
  }

  /** Compiles every locale of a version; throws TemplateInputError with every problem. */
  private async compile(
    meta: TemplateMeta,
    content: Record<string, LocaleContent>,
    library: Library,
  ): Promise<{ artifacts: Record<string, Artifact>; uses: string[]; warnings: TemplateProblem[] }> {
    const problems: TemplateProblem[] = [];
    let layout: TemplateRef | undefined;
    if (meta.layout && !isEmailFormat(meta.format)) {
      problems.push(channelLayoutProblem(meta.format, meta.layout));
    } else if (meta.kind === 'email' && meta.layout) {
      const found = library.get(meta.layout);
      const fitting = [...library.values()].filter(
        (l) => l.template.kind === 'layout' && l.template.format === meta.format,
      );
      if (!found || found.template.kind !== 'layout' || found.template.format !== meta.format) {
        problems.push({
          path: 'layout',
          message: `there is no ${meta.format} layout '${meta.layout}'; the ${meta.format} layouts are: ${
            fitting.map((l) => l.template.key).join(', ') || 'none'
          } (or null for none)`,
        });
      } else layout = found.ref;
    }
    if (problems.length > 0) throw new TemplateInputError(problems);
    const known = await knownVariables(this.db);
    const artifacts: Record<string, Artifact> = {};
    const uses = new Set<string>();
    const warnings: TemplateProblem[] = [];
    for (const [locale, localeContent] of Object.entries(content)) {
      const result = await compileTemplate({
        key: meta.key,
        kind: meta.kind,
        format: meta.format,
        transactional: meta.transactional,
        locale,
        content: localeContent,
        ...(layout ? { layout } : {}),
        lookup: (key) => library.get(key)?.ref,
        knownVariables: known,
      });
      problems.push(...result.errors);
      warnings.push(...result.warnings);
      result.uses.forEach((u) => uses.add(u));
      if (result.artifact) artifacts[locale] = result.artifact;
    }
    if (problems.length > 0) throw new TemplateInputError(problems);
    return { artifacts, uses: [...uses].sort(), warnings };
  }

  private async published(key: string, warnings: TemplateProblem[]): Promise<Published> {
    const template = (await this.store.get(key)) as TemplateRecord;
    const version = (await this.store.getVersion(key, template.currentVersion)) as TemplateVersion;
    return { template, version, warnings };
  }

  /**
   * Compiles content that is not saved (the editor's live preview): its artifact, or the errors that would refuse
   * it, and the warnings.
   */
  async draft(
    input: TemplateInput,
  ): Promise<{ artifact?: Artifact; errors: TemplateProblem[]; warnings: TemplateProblem[] }> {
    try {
      const compiled = await this.compile(metaOf(input), contentOf(input), await this.library());
      return { artifact: compiled.artifacts[input.locale] as Artifact, errors: [], warnings: compiled.warnings };
    } catch (err) {
      if (err instanceof TemplateInputError) return { errors: err.problems, warnings: [] };
      throw err;
    }
  }

  /** Creates a template from its first locale's content. */
  async create(input: TemplateInput, actor: string): Promise<Published> {
    const meta = metaOf(input);
    const content = contentOf(input);
    const library = await this.library();
    if (library.has(input.key) || (await this.store.get(input.key))) {
      throw new TemplateExistsError(`there is already a template '${input.key}'`);
    }
    const compiled = await this.compile(meta, content, library);
    const first: NewVersion = {
      defaultLocale: input.locale,
      content,
      ...compiled,
      source: 'api',
      restoredFrom: null,
      createdBy: actor,
    };
    if (!(await this.store.create(meta, first)))
      throw new TemplateExistsError(`there is already a template '${input.key}'`);
    return this.published(input.key, compiled.warnings);
  }

  /** Publishes a new version with the patch applied; undefined when there is no such template. */
  async update(key: string, patch: TemplatePatch, actor: string): Promise<Published | undefined> {
    const template = await this.store.get(key);
    if (!template) return undefined;
    const current = (await this.store.getVersion(key, template.currentVersion)) as TemplateVersion;
    const locale = patch.locale ?? current.defaultLocale;
    const before = current.content[locale];
    // A text or json template's subject may be empty: a new locale needs only its body.
    const email = isEmailFormat(template.format);
    if (!before && ((email && patch.subject === undefined) || patch.body === undefined)) {
      throw new TemplateInputError([
        {
          path: 'body',
          message: `locale '${locale}' is new to this template: give its ${email ? 'subject and body' : 'body'} (the template has ${Object.keys(
            current.content,
          ).join(', ')})`,
        },
      ]);
    }
    if (email && template.kind === 'email' && patch.subject?.trim() === '') {
      throw new TemplateInputError([{ path: 'subject', message: 'an email needs a subject' }]);
    }
    const content = {
      ...current.content,
      [locale]: {
        subject: patch.subject ?? before?.subject ?? '',
        body: patch.body ?? before?.body ?? '',
        text: patch.text !== undefined ? patch.text : (before?.text ?? null),
      },
    };
    const meta: TemplateMeta = {
      ...template,
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.transactional !== undefined ? { transactional: patch.transactional } : {}),
      ...(patch.layout !== undefined ? { layout: patch.layout } : {}),
      ...(patch.from !== undefined ? { from: patch.from } : {}),
      ...(patch.replyTo !== undefined ? { replyTo: patch.replyTo } : {}),
    };
    return this.publish(
      meta,
      { defaultLocale: current.defaultLocale, content, source: 'api', restoredFrom: null },
      actor,
    );
  }

  /** Publishes a copy of an earlier version as the newest; undefined when the template or version is not there. */
  async restore(key: string, version: number, actor: string): Promise<Published | undefined> {
    const template = await this.store.get(key);
    const earlier = template ? await this.store.getVersion(key, version) : undefined;
    if (!template || !earlier) return undefined;
    return this.publish(
      template,
      { defaultLocale: earlier.defaultLocale, content: earlier.content, source: 'restore', restoredFrom: version },
      actor,
    );
  }

  /**
   * Compiles and publishes; for a layout or partial, compiles every template assembled from it against the new
   * source first, and refuses the change if any of them would break.
   */
  private async publish(
    meta: TemplateMeta,
    v: Pick<NewVersion, 'defaultLocale' | 'content' | 'source' | 'restoredFrom'>,
    actor: string,
  ): Promise<Published> {
    const library = await this.library();
    const compiled = await this.compile(meta, v.content, library);
    const rebuilt: { key: string; version: NewVersion }[] = [];
    if (meta.kind !== 'email') {
      const record = (await this.store.get(meta.key)) as TemplateRecord;
      // The dependants are compiled against the source being saved, not the stored one.
      library.set(meta.key, { template: { ...record, ...meta }, ref: refOf(meta, v) });
      for (const key of await this.store.dependants(meta.key)) {
        const dependant = (await this.store.get(key)) as TemplateRecord;
        const current = (await this.store.getVersion(key, dependant.currentVersion)) as TemplateVersion;
        try {
          const again = await this.compile(dependant, current.content, library);
          rebuilt.push({
            key,
            version: {
              defaultLocale: current.defaultLocale,
              content: current.content,
              ...again,
              source: 'dependency',
              restoredFrom: null,
              createdBy: actor,
            },
          });
        } catch (err) {
          if (!(err instanceof TemplateInputError)) throw err;
          throw new TemplateInputError(
            err.problems.map((p) => ({
              ...p,
              path: `dependants.${key}.${p.path}`,
              message: `template '${key}' would break: ${p.message}`,
            })),
          );
        }
      }
    }
    await this.store.addVersion(meta.key, { ...v, ...compiled, createdBy: actor }, meta);
    for (const r of rebuilt) await this.store.addVersion(r.key, r.version);
    return this.published(meta.key, compiled.warnings);
  }

  /** Archives a template no live sequence or unfinished broadcast uses; its versions stay for the messages sent. */
  async remove(key: string): Promise<boolean> {
    const template = await this.store.get(key);
    if (!template || template.archivedAt) return false;
    const usedBy = {
      ...(await this.store.usedBy(key)),
      templates: template.kind === 'email' ? [] : await this.store.dependants(key),
    };
    if (Object.values(usedBy).some((names) => names.length > 0)) throw new TemplateInUseError(key, usedBy);
    return this.store.archive(key);
  }
}

/**
 * The message templates a sequence or broadcast may name now, their formats (a step's channel sends only some; unknown
 * when the store does not say), which are transactional, and the check of a subject.
 */
export async function templateCatalogue(db: Db): Promise<Required<TemplateCatalogue>> {
  const rows: ReadonlyArray<{ key: string; transactional: boolean; format?: TemplateFormat }> = await new TemplateStore(
    db,
  ).catalogue();
  const keys = rows.map((r) => r.key);
  const formats = new Map(rows.map((r) => [r.key, r.format]));
  const transactional = rows.filter((r) => r.transactional).map((r) => r.key);
  return {
    has: (key) => keys.includes(key),
    ids: () => keys,
    format: (key) => formats.get(key),
    transactional: () => transactional,
    subjectProblem,
  };
}
