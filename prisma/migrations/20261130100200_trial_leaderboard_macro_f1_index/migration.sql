-- Leaderboard by macro-F1 at 100,000 trials: the COMPLETE trials of a study in macro-F1 order, so
-- `ORDER BY macro_f1 DESC, number LIMIT n` reads n index entries backwards (an incremental sort orders
-- ties by number) instead of sorting the study. Partial, as the vloss index: COMPLETE trials only.
-- Built CONCURRENTLY on the populated "trial" table, alone in its file (see the vloss index).

-- CreateIndex
CREATE INDEX CONCURRENTLY "trial_study_id_macro_f1_number_idx" ON "trial"("study_id", "macro_f1", "number") WHERE ("state" = 'COMPLETE');
