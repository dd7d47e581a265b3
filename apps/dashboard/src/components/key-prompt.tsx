/** Asks once for the API key when the api requires one for reads; kept in sessionStorage only. */
import { useState } from 'preact/hooks';
import { storeApiKey } from '../api-client.js';

export function KeyPrompt({ onSaved }: { onSaved: () => void }) {
  const [key, setKey] = useState('');
  return (
    <form
      class="key-prompt"
      aria-labelledby="key-prompt-title"
      onSubmit={(e) => {
        e.preventDefault();
        if (key.trim() === '') return;
        storeApiKey(key.trim());
        onSaved();
      }}
    >
      <h2 id="key-prompt-title">This api needs a key for reads</h2>
      <p>The key stays in this browser tab (sessionStorage) and is sent as a bearer token.</p>
      <label for="api-key">API key</label>
      <div class="key-row">
        <input id="api-key" type="password" autoComplete="off" value={key} onInput={(e) => setKey(e.currentTarget.value)} />
        <button type="submit">Use key</button>
      </div>
    </form>
  );
}
