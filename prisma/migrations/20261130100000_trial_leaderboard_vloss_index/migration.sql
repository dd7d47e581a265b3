-- Leaderboard by vloss at 100,000 trials: the COMPLETE trials of a study in rank order (ties by
-- number), so `ORDER BY vloss, number LIMIT n` reads n index entries instead of sorting the study.
-- Partial: only COMPLETE trials are ever ranked, and the index skips the rest of the writes.
-- "trial" is large and written while the service runs, so the index is built CONCURRENTLY, which
-- cannot run in a transaction or beside another statement: one statement per migration file.

-- CreateIndex
CREATE INDEX CONCURRENTLY "trial_study_id_vloss_number_idx" ON "trial"("study_id", "vloss", "number") WHERE ("state" = 'COMPLETE');
