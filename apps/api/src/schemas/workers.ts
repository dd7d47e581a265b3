import { Type } from 'typebox';
import { Nullable, Timestamp } from './common.js';

export const WorkerSchema = Type.Object({
  id: Type.String(),
  host: Type.String(),
  backend: Type.String({ description: 'tfjs backend: tensorflow-gpu, tensorflow, wasm, cpu' }),
  gpu: Nullable(Type.String()),
  currentTrialId: Nullable(Type.String()),
  firstSeenAt: Timestamp,
  lastHeartbeatAt: Timestamp,
  heartbeatAgeMs: Type.Integer(),
  alive: Type.Boolean({ description: 'last heartbeat younger than heartbeatTimeoutMs' }),
});

export const WorkerListSchema = Type.Object({
  heartbeatTimeoutMs: Type.Integer(),
  alive: Type.Integer(),
  items: Type.Array(WorkerSchema),
});

const Check = Type.Object({
  ok: Type.Boolean(),
  latencyMs: Type.Number(),
  error: Type.Optional(Type.String()),
});

export const HealthSchema = Type.Object({
  status: Type.Enum(['ok', 'unavailable'] as const),
  checks: Type.Object({ postgres: Check, redis: Check }),
});
