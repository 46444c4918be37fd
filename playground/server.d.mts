// Types of playground/server.mjs, for the Playwright tests (TypeScript) that import it.
export interface StrategyInfo {
  id: string;
  n: number;
  title: string;
  credential: 'cookie' | 'bearer' | 'signed';
  module: string | null;
  summary: string;
  promise: string;
}

export interface Playground {
  url: string;
  port: number;
  host: string;
  availability: Map<string, { available: boolean; reason: string }>;
  /** The "many instances" page (/multi/): `ensure()` starts redis-server and instance B on first use. */
  multi: { ensure(): Promise<{ available: boolean; reason: string }> };
  close(): Promise<void>;
}

export declare const strategies: readonly StrategyInfo[];
export declare function strategyById(id: string): StrategyInfo | undefined;
export declare function startPlayground(options?: {
  port?: number;
  host?: string;
  quiet?: boolean;
  /** Throw when a strategy's page script does not build or its module does not load. */
  strict?: boolean;
}): Promise<Playground>;
