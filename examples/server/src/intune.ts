/** Intune wiring for the example server (filled in by the Intune issue). */
import type { ChallengeValidator, ScepEvent } from '@scep/server-core';
import type { CryptoProvider } from '@scep/wire';
import { ExampleConfigError } from './errors.js';
import type { ProfileSettings, Settings } from './settings.js';

export interface IntuneWiring {
  challenge(fallback: ChallengeValidator): ChallengeValidator;
  onEvent(e: ScepEvent): void;
  stats(): unknown;
  prometheus(): string;
  reload(): Promise<unknown>;
  close(): void;
}

export async function intuneFor(s: ProfileSettings, _settings: Settings, _o: { crypto: CryptoProvider; now: () => Date; log: (line: string) => void }): Promise<IntuneWiring> {
  throw new ExampleConfigError(`profile ${s.name}: Intune is not wired into the example server yet`);
}
