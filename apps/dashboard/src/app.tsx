/** The shell: navigation, the API-key prompt, and the page of the current hash route. */
import { useEffect, useState } from 'preact/hooks';
import { onUnauthorized } from './api-client.js';
import { KeyPrompt } from './components/key-prompt.js';
import { FleetPage } from './pages/fleet-page.js';
import { StudiesPage } from './pages/studies-page.js';
import { StudyPage } from './pages/study-page.js';
import { TrialPage } from './pages/trial-page.js';
import { href, useRoute } from './router.js';
import { AuthVersion } from './use-api.js';

export function App() {
  const route = useRoute();
  const [needsKey, setNeedsKey] = useState(false);
  const [authVersion, setAuthVersion] = useState(0);
  useEffect(() => onUnauthorized(() => setNeedsKey(true)), []);

  useEffect(() => {
    document.title =
      route.page === 'study' ? 'Study · Tunefleet' : route.page === 'trial' ? 'Trial · Tunefleet' : route.page === 'fleet' ? 'Fleet · Tunefleet' : 'Studies · Tunefleet';
  }, [route]);

  return (
    <AuthVersion.Provider value={authVersion}>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href.studies()}>
          <span class="brand-mark" aria-hidden="true">◆</span> Tunefleet
        </a>
        <nav aria-label="main">
          <a href={href.studies()} aria-current={route.page === 'studies' || route.page === 'study' ? 'page' : undefined}>
            Studies
          </a>
          <a href={href.fleet()} aria-current={route.page === 'fleet' ? 'page' : undefined}>
            Fleet
          </a>
          <a href="/docs">API docs</a>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        {needsKey ? (
          <KeyPrompt
            onSaved={() => {
              setNeedsKey(false);
              setAuthVersion((v) => v + 1);
            }}
          />
        ) : null}
        {route.page === 'studies' ? <StudiesPage /> : null}
        {route.page === 'study' ? <StudyPage key={route.id} id={route.id} /> : null}
        {route.page === 'trial' ? <TrialPage key={route.id} id={route.id} /> : null}
        {route.page === 'fleet' ? <FleetPage /> : null}
        {route.page === 'not-found' ? (
          <section>
            <h1>Page not found</h1>
            <p>
              Nothing lives at <code>{route.path}</code>. <a href={href.studies()}>Back to the studies</a>.
            </p>
          </section>
        ) : null}
      </main>
    </AuthVersion.Provider>
  );
}
