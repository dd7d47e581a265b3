/** The chaos harness: see chaos/README.md. */
export { type ChaosFleet, type ChaosFleetOptions, type ChaosTarget, startChaosFleet } from './chaos-fleet.js';
export { type FunctionStudyOptions, functionStudy, waitForStudyEnd } from './function-study.js';
export { type InvariantOptions, type InvariantReport, checkStudyInvariants, studyDecisions } from './invariants.js';
export { type LogMatch, type LogWatch, createLogWatch, isEpochReport } from './log-watch.js';
export { type ScenarioRow, recordScenario, renderScenarioTable, scenarioRow } from './scenario-report.js';
export { smallCnnStudy } from '../../e2e/helpers/small-cnn-study.js';
export { waitFor } from '../../e2e/helpers/wait-for.js';
