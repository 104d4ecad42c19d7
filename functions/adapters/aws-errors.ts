/** Reading the errors the AWS SDK v3 clients throw, for the adapters that classify them. */

/** The HTTP status of the response that caused an SDK error, when there was one. */
export function httpStatusOf(error: Error): number | undefined {
  if (!('$metadata' in error)) return undefined;
  const metadata = error.$metadata;
  if (typeof metadata !== 'object' || metadata === null || !('httpStatusCode' in metadata)) return undefined;
  return typeof metadata.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
}

/** A string `code` property: a Node.js errno (ECONNRESET …) or an SDK error code. */
export function errnoOf(error: Error): string | undefined {
  return 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}
