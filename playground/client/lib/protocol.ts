// Messages between the summary page and the strategy pages it drives (the lab window and the
// "new tab" frames). They carry verdicts only, never a credential.

export interface ProbeVerdict {
  readable: boolean;
  exfiltrated: {
    bytes: number;
    live: { kind: string; strategy: string; user: string | null; replay: string }[];
  }[];
  usable: boolean;
  uses: { strategy: string; via: string | null; path: string; authenticated: boolean }[];
  autoSent: boolean;
  autoSentRequests: { strategy: string; via: string | null; path: string; authenticated: boolean }[];
}

export interface AttackResults {
  readable: boolean;
  readableDetail: string;
  usable: boolean;
  usableDetail: string;
  autoSent: boolean;
  autoSentDetail: string;
}

export type LabMessage =
  | {
      type: 'pg-lab';
      runId: string;
      strategy: string;
      phase: 'attacked';
      works: boolean;
      worksDetail: string;
      attacks: AttackResults | null;
    }
  | { type: 'pg-lab'; runId: string; strategy: string; phase: 'reloaded'; survived: boolean; detail: string }
  | { type: 'pg-lab'; runId: string; strategy: string; phase: 'newtab'; reached: boolean; detail: string }
  | { type: 'pg-lab'; runId: string; strategy: string; phase: 'logged-out'; ok: boolean; detail: string }
  | { type: 'pg-lab'; runId: string; strategy: string; phase: 'error'; detail: string };

export interface LabCommand {
  type: 'pg-cmd';
  runId: string;
  cmd: 'logout';
}

/** Random lower-case id, matching the server's probe pattern. */
export function randomId(): string {
  const b = new Uint8Array(10);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => (x % 36).toString(36)).join('');
}
