// What a browser sends back after a response: shared by the engine suites that replay commit().

/**
 * The Cookie request header a browser sends after these Set-Cookie values: each cookie's
 * `name=value`, leaving out the cookies they cleared (empty value).
 */
export const cookieHeader = (setCookies: readonly string[]): string =>
  setCookies
    .map((c) => c.slice(0, c.indexOf(';')))
    .filter((c) => !c.endsWith('='))
    .join('; ');
