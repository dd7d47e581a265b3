/**
 * A small HTTP client for the api routes the e2e tests and the demo use. The response types
 * list only the fields read here; the route schemas in apps/api/src/schemas are the full truth.
 */

export type TrialState = 'WAITING' | 'RUNNING' | 'PAUSED' | 'COMPLETE' | 'PRUNED' | 'FAILED';
export type StudyStatus = 'RUNNING' | 'STOPPED' | 'COMPLETE' | 'FAILED';

export interface StudyDetail {
  readonly id: string;
  readonly name: string;
  readonly status: StudyStatus;
  readonly objective: string;
  readonly direction: 'minimize' | 'maximize';
  readonly seed: number;
  readonly maxTrials: number;
  readonly parallelism: number;
  readonly progress: {
    readonly counts: Readonly<Record<TrialState, number>>;
    readonly total: number;
    readonly finished: number;
    readonly remaining: number;
    readonly best: {
      readonly number: number;
      readonly value: number;
      readonly vloss: number | null;
      readonly accuracy: number | null;
      readonly parameterCount: number | null;
    } | null;
    readonly etaMs: number | null;
    readonly elapsedMs: number;
  };
}

export interface TrialSummary {
  readonly id: string;
  readonly number: number;
  readonly state: TrialState;
  readonly params: Readonly<Record<string, unknown>>;
  readonly objectiveValue: number | null;
  readonly vloss: number | null;
  readonly accuracy: number | null;
  readonly f1: number | null;
  readonly parameterCount: number | null;
  readonly efficiency: number | null;
  readonly attempts: number;
  readonly workerId: string | null;
  readonly failureType: string | null;
  readonly failureMessage: string | null;
  readonly retryOfId: string | null;
}

export interface EpochRecord {
  readonly epoch: number;
  readonly value: number;
  readonly vloss: number | null;
  readonly accuracy: number | null;
  readonly f1: number | null;
  readonly trainLoss: number | null;
  readonly imagesPerSec: number | null;
  readonly elapsedMs: number | null;
  readonly createdAt: string;
}

export interface TrialDetail extends TrialSummary {
  readonly resumeFromEpoch: number | null;
  readonly epochs: readonly EpochRecord[];
  readonly checkpoints: readonly { readonly epoch: number; readonly sizeBytes: number; readonly sha256: string; readonly url: string }[];
}

export type LeaderboardKey = 'efficiency' | 'vloss' | 'accuracy' | 'f1' | 'value';

export interface LeaderboardEntry {
  readonly rank: number;
  readonly trialId: string;
  readonly number: number;
  readonly value: number;
  readonly params: Readonly<Record<string, unknown>>;
  readonly objectiveValue: number | null;
  readonly vloss: number | null;
  readonly accuracy: number | null;
  readonly f1: number | null;
  readonly parameterCount: number | null;
  readonly efficiency: number | null;
  readonly log10Efficiency: number | null;
}

export interface Leaderboard {
  readonly by: LeaderboardKey;
  readonly direction: 'minimize' | 'maximize';
  readonly items: readonly LeaderboardEntry[];
}

export interface Checkpoint {
  readonly data: Buffer;
  readonly sha256Header: string | null;
  readonly contentType: string | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what} answered ${status}: ${body.slice(0, 2_000)}`);
    this.name = 'ApiError';
  }
}

export interface ApiClient {
  createStudy(body: unknown): Promise<StudyDetail>;
  getStudy(id: string): Promise<StudyDetail>;
  stopStudy(id: string): Promise<void>;
  /** Ids of the newest studies with `status` (at most 500). */
  listStudyIds(status: StudyStatus): Promise<string[]>;
  /** Every trial of the study, by number (all pages). */
  listTrials(studyId: string): Promise<TrialSummary[]>;
  getTrial(id: string): Promise<TrialDetail>;
  leaderboard(studyId: string, by?: LeaderboardKey, limit?: number): Promise<Leaderboard>;
  downloadCheckpoint(trialId: string, epoch: number): Promise<Checkpoint>;
}

export function createApiClient(baseUrl: string, apiKey: string): ApiClient {
  const headers = { authorization: `Bearer ${apiKey}` };

  async function request(method: 'GET' | 'POST', route: string, body?: unknown): Promise<Response> {
    const response = await fetch(new URL(route, baseUrl), {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    if (!response.ok) throw new ApiError(response.status, await response.text(), `${method} ${route}`);
    return response;
  }
  const json = async <T>(method: 'GET' | 'POST', route: string, body?: unknown): Promise<T> =>
    (await (await request(method, route, body)).json()) as T;

  return {
    createStudy: (body) => json<StudyDetail>('POST', '/studies', body),
    getStudy: (id) => json<StudyDetail>('GET', `/studies/${id}`),
    async listStudyIds(status) {
      const page: { items: { id: string }[] } = await json('GET', `/studies?status=${status}&limit=500`);
      return page.items.map((s) => s.id);
    },
    async stopStudy(id) {
      await request('POST', `/studies/${id}/stop`);
    },
    async listTrials(studyId) {
      const trials: TrialSummary[] = [];
      let after: number | null = -1;
      while (after !== null) {
        const page: { items: TrialSummary[]; nextCursor: number | null } = await json('GET', `/studies/${studyId}/trials?limit=500&after=${after}`);
        trials.push(...page.items);
        after = page.nextCursor;
      }
      return trials;
    },
    getTrial: (id) => json<TrialDetail>('GET', `/trials/${id}`),
    leaderboard: (studyId, by, limit = 1000) =>
      json<Leaderboard>('GET', `/studies/${studyId}/leaderboard?limit=${limit}${by === undefined ? '' : `&by=${by}`}`),
    async downloadCheckpoint(trialId, epoch) {
      const response = await request('GET', `/trials/${trialId}/checkpoints/${epoch}`);
      return {
        data: Buffer.from(await response.arrayBuffer()),
        sha256Header: response.headers.get('x-checksum-sha256'),
        contentType: response.headers.get('content-type'),
      };
    },
  };
}
