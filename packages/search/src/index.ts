export * from './space/types.js';
export * from './rng.js';
export type { Direction } from './study/direction.js';
export type { Sampler, SuggestRequest } from './samplers/sampler.js';
export type { FrozenTrial } from './trial/frozen-trial.js';
export * from './trial/lifecycle.js';
export * from './errors.js';
export { parseSearchSpace } from './space/parse-search-space.js';
export { searchSpaceToJSON } from './space/search-space-to-json.js';
export { isActive } from './space/is-active.js';
export { validateParams } from './space/validate-params.js';
export { GRID_TOLERANCE, gridStep, gridLastIndex, gridValue, snapToGrid, isOnGrid, valueProblem } from './space/grid.js';
export { RandomSampler, type RandomSamplerOptions } from './samplers/random.js';
export { TpeSampler } from './samplers/tpe/tpe-sampler.js';
export { defaultGamma, defaultWeights, type TpeOptions, type GammaFunction, type GammaConfig, type WeightsFunction, type WeightsConfig } from './samplers/tpe/tpe-options.js';
export { samplerFromJSON } from './samplers/from-json.js';
export { reportsOf, lastStep, lastValue, type Report } from './trial/intermediate.js';
export type {
  Pruner,
  PruneRequest,
  PruneDecision,
  PrunerJSON,
  NopPrunerJSON,
  SuccessiveHalvingPrunerJSON,
  HyperbandPrunerJSON,
} from './pruners/pruner.js';
export { NopPruner } from './pruners/nop-pruner.js';
export { SuccessiveHalvingPruner, estimateMinResource, type SuccessiveHalvingOptions } from './pruners/successive-halving.js';
export { rungResource, isPromotable, rungRecordsOf, decideOptunaSha, type ShaRuleConfig } from './pruners/optuna-sha-rule.js';
export { rayMilestones, nanPercentile, decideRayAsha, type RayAshaConfig } from './pruners/ray-asha-rule.js';
export {
  HyperbandPruner,
  hyperbandBracketOf,
  hyperbandBracketCount,
  hyperbandBudgets,
  type HyperbandOptions,
  type HyperbandConfig,
} from './pruners/hyperband.js';
export { promotionAsha, type AshaJob, type PromotionAshaConfig } from './pruners/promotion-asha.js';
export { prunerFromJSON } from './pruners/from-json.js';
export {
  OBJECTIVES,
  OBJECTIVE_NAMES,
  parseObjectiveName,
  objectiveDirection,
  efficiency,
  logEfficiency,
  objectiveValue,
  violatesConstraints,
  type ObjectiveName,
  type TrialMetrics,
  type Constraints,
} from './study/objectives.js';
export { TEST_FUNCTIONS, TEST_FUNCTION_NAMES, evaluateTestFunction, type TestFunction, type TestFunctionName } from './problems/test-functions.js';
export { paretoFront, compareTrials, bestTrial, type ParetoPoint } from './study/ranking.js';
export { Study, type StudyOptions, type StudyJSON, type TrialJSON, type TellResult } from './study/study.js';
export {
  fanovaImportances,
  fanovaSteps,
  FANOVA_MAX_TREES,
  FANOVA_MAX_TRIALS,
  type FanovaOptions,
  type FanovaResult,
  type ParamImportance,
} from './importance/fanova.js';
export { evenSubsample, type ImportanceTrial } from './importance/feature-matrix.js';
