// Types of playground/server/bundle.mjs, for the Playwright tests (TypeScript) that import it.
export declare function bundleAll(
  entries: Record<string, string>,
): Promise<Map<string, { js?: string; error?: string }>>;
