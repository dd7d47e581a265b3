-- Leaderboard by efficiency at 100,000 trials: the COMPLETE trials of a study in efficiency order, so
-- `ORDER BY efficiency DESC, number LIMIT n` reads n index entries backwards (an incremental sort orders
-- ties by number) instead of sorting the study. Partial, as the vloss index: COMPLETE trials only.
-- Built CONCURRENTLY on the populated "trial" table, alone in its file (see the vloss index).

-- CreateIndex
CREATE INDEX CONCURRENTLY "trial_study_id_efficiency_number_idx" ON "trial"("study_id", "efficiency", "number") WHERE ("state" = 'COMPLETE');
