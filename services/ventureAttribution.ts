import type { Db } from '../db/knex';
import { ChannelPerformanceStore } from '../db/stores/channelPerformance';
import { JourneyEventStore } from '../db/stores/journeyEvents';
import { SequenceStore } from '../db/stores/sequences';
import {
  attribute,
  type AttributionModel,
  type AttributionOptions,
  type AttributionResult,
  type Journey,
} from '../domain/attribution';
import { conversionRules, journeysOfContact, type ConversionRules } from '../domain/journeys';

/** A venture's attribution, with what it was built from. */
export interface VentureAttribution extends AttributionResult {
  ventureId: string;
  from: string | null;
  to: string | null;
  journeys: { total: number; converted: number; contacts: number };
  /** Conversion events counted, each with the property its value was read from first. */
  conversionEvents: Record<string, string | null>;
  spendSource: 'campaign_performance';
}

/**
 * The conversion rules of a venture: `conversion`, `subscription_started` and `purchase`, plus the goal events
 * that carry revenue (a `revenueProperty`) of the sequences its contacts were enrolled in. Goals without revenue
 * (a winback's `login`, a nurture's `signup`) end an enrollment but are not purchases, so they are not counted.
 */
export async function ventureConversionRules(db: Db, ventureId: string): Promise<ConversionRules> {
  const keys = await new JourneyEventStore(db).enrolledSequenceKeys(ventureId);
  const sequences = new SequenceStore(db);
  const goals: { event: string; revenueProperty?: string }[] = [];
  for (const key of keys) {
    const sequence = await sequences.get(key);
    for (const goal of sequence?.definition.goals ?? []) {
      if (goal.revenueProperty) goals.push({ event: goal.event, revenueProperty: goal.revenueProperty });
    }
  }
  return conversionRules(goals);
}

/**
 * Attributes a venture's conversions to channels from its stored events (see `domain/journeys.ts` for which event
 * is a touchpoint or a conversion), with spend per channel from `campaign_performance` over the same dates for ROI.
 * `from` and `to` (YYYY-MM-DD, inclusive) bound both the events and the spend.
 */
export async function ventureAttribution(
  db: Db,
  ventureId: string,
  options: {
    model: AttributionModel;
    from?: string;
    to?: string;
    conversionEvents?: string[];
    modelOptions?: AttributionOptions;
  },
): Promise<VentureAttribution> {
  const rules: ConversionRules = options.conversionEvents
    ? new Map(options.conversionEvents.map((e) => [e, undefined]))
    : await ventureConversionRules(db, ventureId);
  const range = {
    ...(options.from ? { from: new Date(`${options.from}T00:00:00.000Z`) } : {}),
    ...(options.to ? { to: new Date(`${options.to}T23:59:59.999Z`) } : {}),
  };
  const journeys: Journey[] = [];
  let contacts = 0;
  for await (const { events } of new JourneyEventStore(db).byContact(ventureId, [...rules.keys()], range)) {
    contacts++;
    for (const j of journeysOfContact(events, rules)) journeys.push(j);
  }
  const spend = await new ChannelPerformanceStore(db).spendByChannel(ventureId, {
    ...(options.from ? { from: options.from } : {}),
    ...(options.to ? { to: options.to } : {}),
  });
  const result = attribute(journeys, options.model, options.modelOptions ?? {}, spend);
  return {
    ventureId,
    from: options.from ?? null,
    to: options.to ?? null,
    ...result,
    journeys: { total: journeys.length, converted: journeys.filter((j) => j.converted).length, contacts },
    conversionEvents: Object.fromEntries([...rules].map(([k, v]) => [k, v ?? null])),
    spendSource: 'campaign_performance',
  };
}
