/** Fetch-on-render for GET routes: refetches when the path or `version` changes, keeps the last data meanwhile. */
import { useContext, useEffect, useState } from 'preact/hooks';
import { createContext } from 'preact';
import { ApiError, getJson } from './api-client.js';

/** Bumped when a new API key is saved, so every view reads again with it. */
export const AuthVersion = createContext(0);

export interface ApiState<T> {
  /** Null while the first answer for this path is pending (never another path's data). */
  readonly data: T | null;
  readonly error: ApiError | Error | null;
  readonly loading: boolean;
}

export function useApi<T>(path: string | null, version = 0): ApiState<T> {
  const auth = useContext(AuthVersion);
  const [state, setState] = useState<ApiState<T> & { path: string | null }>({ path, data: null, error: null, loading: path !== null });
  useEffect(() => {
    if (path === null) return;
    const abort = new AbortController();
    setState((s) => ({ ...s, path, data: s.path === path ? s.data : null, loading: true }));
    getJson<T>(path, abort.signal).then(
      (data) => setState({ path, data, error: null, loading: false }),
      (error: Error) => {
        if (error.name !== 'AbortError') setState((s) => ({ ...s, error, loading: false }));
      },
    );
    return () => abort.abort();
  }, [path, version, auth]);
  return state.path === path ? state : { data: null, error: null, loading: path !== null };
}
