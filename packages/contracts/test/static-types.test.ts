import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  FUNCTION_OBJECTIVE_NAMES,
  type FunctionObjective,
  type FunctionObjectiveName,
  TRAINING_BACKENDS,
  TRIAL_OUTCOMES,
  type TrainingBackend,
  type TrialFinishedEvent,
  type TrialOutcome,
  type TrialStartedEvent,
  TrialFinishedEvent as TrialFinishedSchema,
  TrialStartedEvent as TrialStartedSchema,
  FunctionObjective as FunctionObjectiveSchema,
} from '../src/index.js';

// The literal unions in the schemas are spelled out so their static types are precise; these
// checks (run by `pnpm typecheck` and at run time) keep them equal to the exported lists.
describe('literal unions', () => {
  it('have static types equal to the exported lists', () => {
    expectTypeOf<TrialStartedEvent['backend']>().toEqualTypeOf<TrainingBackend>();
    expectTypeOf<TrialFinishedEvent['outcome']>().toEqualTypeOf<TrialOutcome>();
    expectTypeOf<FunctionObjective['name']>().toEqualTypeOf<FunctionObjectiveName>();
  });

  it('accept exactly the listed values at run time', () => {
    const consts = (schema: unknown) => (schema as { anyOf: { const: string }[] }).anyOf.map((s) => s.const);
    expect(consts(TrialStartedSchema.properties.backend)).toEqual([...TRAINING_BACKENDS]);
    expect(consts(TrialFinishedSchema.properties.outcome)).toEqual([...TRIAL_OUTCOMES]);
    expect(consts(FunctionObjectiveSchema.properties.name)).toEqual([...FUNCTION_OBJECTIVE_NAMES]);
  });
});
