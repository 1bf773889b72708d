import { AdPlatformError } from '../../providers/ads/types';

/**
 * The error a call to an ad platform rejects with, checked to be an AdPlatformError (or the narrower `type`): the
 * test fails if the promise resolves or rejects with anything else.
 */
export async function rejection<E extends AdPlatformError = AdPlatformError>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => E = AdPlatformError as never,
): Promise<E> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(type);
  return err as E;
}
