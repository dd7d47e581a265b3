-- Indexes that keep the leaderboard, the per-study state counts and the stale-trial scan fast at
-- 100,000 trials. The tables are new and empty here, so plain CREATE INDEX is fine; an index on a
-- populated table gets its own migration with CREATE INDEX CONCURRENTLY.

-- CreateIndex
CREATE INDEX "study_created_at_idx" ON "study"("created_at");

-- CreateIndex
CREATE INDEX "trial_study_id_state_objective_value_idx" ON "trial"("study_id", "state", "objective_value");

-- CreateIndex
CREATE INDEX "trial_study_id_efficiency_idx" ON "trial"("study_id", "efficiency");

-- CreateIndex
CREATE INDEX "trial_state_last_event_at_idx" ON "trial"("state", "last_event_at");
