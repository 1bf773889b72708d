import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Db } from '../db/knex';
import { ContactStore } from '../db/stores/contacts';
import { SubscriptionChangeStore, type SubscriptionSource } from '../db/stores/subscriptionChanges';
import { defaultState, TopicStore, type Topic, type TopicState, type TopicSubscription } from '../db/stores/topics';
import { TASK_QUEUES } from '../domain/ids';
import { getTopicConfirmationWorkflowId } from '../domain/preferenceLinks';
import { unsubscribeSignal } from '../workflows/sequenceMessages';
import { topicConfirmationWorkflow } from '../workflows/templateWorkflows';
import { EnrollmentService } from './enrollment';
import { changeRecorder } from './unsubscribe';

/** A topic key that is taken; the API answers 409. */
export class TopicExistsError extends Error {}

/** What the service needs: the database, and the Temporal client that starts confirmation emails. */
export interface TopicServiceDeps {
  db: Db;
  temporal: Client;
  /** The queue the product's worker polls; the main queue unless the app was given another. */
  taskQueue?: string;
}

/** Who changes a contact's topics and through what (the email's link, the API, an import, a complaint). */
export interface TopicChangeBy {
  actor: string;
  source: SubscriptionSource;
  actorRole?: string;
}

/** A contact's whole subscription picture: the contact-wide switch and every topic with its state. */
export interface ContactSubscriptions {
  /** The contact's internal id. */
  contactId: string;
  unsubscribedFromAll: boolean;
  topics: TopicSubscription[];
}

/**
 * The state a request moves a topic to. Leaving is immediate. Joining an opt-out topic is immediate; joining an
 * opt-in one waits for the emailed confirmation unless the caller vouches that consent was already confirmed.
 * Asking again for a topic one is in, or waiting for, changes nothing.
 */
function nextState(optIn: boolean, current: TopicState, wanted: boolean, confirmed: boolean): TopicState {
  if (!wanted) return 'unsubscribed';
  if (!optIn || confirmed || current === 'subscribed') return 'subscribed';
  return 'pending';
}

/**
 * Topics, and each contact's choices in them: every change recorded (who, when, how, which topic) on the contact's
 * timeline and in the audit log, and double opt-in by a signed confirmation email.
 */
export class TopicService {
  readonly store: TopicStore;
  private readonly contacts: ContactStore;
  /** Re-evaluates the segments that select by topic when a contact's topics change. */
  private readonly audience: EnrollmentService;

  constructor(private readonly deps: TopicServiceDeps) {
    this.store = new TopicStore(deps.db);
    this.contacts = new ContactStore(deps.db);
    this.audience = new EnrollmentService(deps.db, deps.temporal, undefined, deps.taskQueue);
  }

  /** The topics in use, as the API and the preference page list them. */
  list(): Promise<Topic[]> {
    return this.store.list();
  }

  /** A topic in use, or undefined. */
  get(key: string): Promise<Topic | undefined> {
    return this.store.get(key);
  }

  /** Creates a topic; TopicExistsError when the key is taken. */
  async create(input: { key: string; name: string; description?: string; optIn: boolean }): Promise<Topic> {
    const created = await this.store.create(input);
    if (!created) throw new TopicExistsError(`there is already a topic '${input.key}'`);
    return created;
  }

  /** The contact's subscriptions, or undefined when there is no such contact. */
  async subscriptions(contactId: string): Promise<ContactSubscriptions | undefined> {
    const contact = await this.contacts.getById(contactId);
    if (!contact) return undefined;
    return {
      contactId,
      unsubscribedFromAll: contact.unsubscribedAt !== null,
      topics: await this.store.subscriptions(contactId),
    };
  }

  /**
   * Applies a contact's wishes, topic key to on or off (see `nextState`), recording each change that changes
   * something; an opt-in topic that waits for confirmation gets its confirmation email. UnknownTopicError before any
   * write when a key names no topic; undefined when there is no such contact.
   */
  async set(
    contactId: string,
    wanted: Readonly<Record<string, boolean>>,
    by: TopicChangeBy & { confirmed?: boolean },
  ): Promise<ContactSubscriptions | undefined> {
    const topics = [...(await this.store.require(Object.keys(wanted))).values()];
    const states = await this.move(
      contactId,
      by,
      topics.map((topic) => ({
        topic,
        next: (current) => nextState(topic.optIn, current, wanted[topic.key] === true, by.confirmed === true),
      })),
    );
    if (!states) return undefined;
    for (const topic of topics) if (states.get(topic.key) === 'pending') await this.sendConfirmation(contactId, topic);
    await this.endEnrollments(
      contactId,
      topics.filter((t) => states.get(t.key) === 'unsubscribed').map((t) => t.key),
    );
    return this.subscriptions(contactId);
  }

  /**
   * Subscribes the contact to the topic because they clicked its signed confirmation: the one way into an opt-in
   * topic from an email. UnknownTopicError for a topic gone since; undefined when there is no such contact.
   */
  async confirm(contactId: string, topicKey: string, by: TopicChangeBy): Promise<ContactSubscriptions | undefined> {
    const topic = (await this.store.require([topicKey])).get(topicKey)!;
    const states = await this.move(contactId, by, [{ topic, next: () => 'subscribed' }]);
    return states && this.subscriptions(contactId);
  }

  /** Whether one marketing email on the topic may go to the contact now (see TopicStore.mayReceive). */
  mayReceive(contactId: string, topic: string): Promise<boolean> {
    return this.store.mayReceive(contactId, topic);
  }

  /**
   * Moves each topic from the contact's current state to `next(current)`, writing and recording the ones that
   * change, with the contact's row locked so two saves of one contact apply one after the other. Answers each
   * topic's resulting state; undefined when there is no such contact.
   */
  private async move(
    contactId: string,
    by: TopicChangeBy,
    moves: readonly { topic: Topic; next: (current: TopicState) => TopicState }[],
  ): Promise<Map<string, TopicState> | undefined> {
    const changed: string[] = [];
    const states = await this.deps.db.transaction(async (trx) => {
      const contact = await trx('contacts').where({ id: contactId }).forUpdate().first('id');
      if (!contact) return undefined;
      const store = new TopicStore(trx);
      const record = changeRecorder(trx);
      const how = { source: by.source, ...(by.actorRole ? { actorRole: by.actorRole } : {}) };
      const choices = await store.choices(contactId);
      const states = new Map<string, TopicState>();
      for (const { topic, next } of moves) {
        const current = choices.get(topic.key)?.state ?? defaultState(topic.optIn);
        const state = next(current);
        states.set(topic.key, state);
        if (state === current) continue;
        changed.push(topic.key);
        await store.setState(contactId, topic.key, state, by.source);
        await record(contactId, `topic_${state}`, by.actor, how, topic.key);
      }
      return states;
    });
    // After the commit: segments that select by these topics see the new states.
    const contact = changed.length > 0 ? await this.contacts.getById(contactId) : undefined;
    if (contact) await this.audience.subscriptionsChanged([contact], changed);
    return states;
  }

  /**
   * Tells each running enrollment sent under a topic the contact left, as the contact-wide unsubscribe does: it ends
   * unless its sequence keeps going after an unsubscribe (its sends are skipped all the same). Told again when the
   * topic was left before, in case a signal was lost; a run that ended meanwhile is no error.
   */
  private async endEnrollments(contactId: string, left: readonly string[]): Promise<void> {
    const running = await this.store.activeEnrollmentsUnder(contactId, left);
    await Promise.all(
      running.map((workflowId) =>
        this.deps.temporal.workflow
          .getHandle(workflowId)
          .signal(unsubscribeSignal)
          .catch(() => undefined),
      ),
    );
  }

  /**
   * Starts the run that emails the confirmation link. Numbered by how often the contact was set to wait for this
   * topic, and refused by Temporal when that number ran already: a repeated request sends no second email, while a
   * contact who left and asks again gets a new one. A start lost to an outage is made by the next request.
   */
  private async sendConfirmation(contactId: string, topic: Topic): Promise<void> {
    const { temporal, taskQueue } = this.deps;
    const attempt = Math.max(1, await new SubscriptionChangeStore(this.deps.db).countPending(contactId, topic.key));
    try {
      await temporal.workflow.start(topicConfirmationWorkflow, {
        workflowId: getTopicConfirmationWorkflowId(contactId, topic.key, attempt),
        taskQueue: taskQueue ?? TASK_QUEUES.main,
        args: [{ contactId, topic: topic.key }],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
}
