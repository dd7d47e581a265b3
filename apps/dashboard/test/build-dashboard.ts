/** Browser tests' global setup: a production build of the dashboard from its current sources. */
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

export default async function buildDashboard(): Promise<void> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  await build({ root, configFile: `${root}vite.config.ts`, logLevel: 'warn' });
}
