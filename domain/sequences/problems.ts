/** One thing wrong with a sequence definition, at a dotted path into it such as `steps.3.timeout`. */
export interface SequenceProblem {
  path: string;
  message: string;
}
