export declare const firefoxPath: string;
export declare const ANSWERED: Set<string>;
export declare const firefoxLaunch: {
  channel: string;
  executablePath: string;
  headless: boolean;
  firefoxUserPrefs: Record<string, boolean | number | string>;
};
