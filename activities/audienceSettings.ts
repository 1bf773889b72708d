/** What the audience activities (contact imports, segments, broadcasts) read from the configuration. */
export interface AudienceSettings {
  /** Where uploaded contact imports wait for their workflow; the API and the workers must share it. */
  importDir: string;
  /** A broadcast's send rate when it names none, in messages per second. */
  broadcastRatePerSecond: number;
  /** A marketing broadcast's recipient over the frequency cap: skipped, or sent once the cap allows. */
  broadcastCapped: 'skip' | 'defer';
}
