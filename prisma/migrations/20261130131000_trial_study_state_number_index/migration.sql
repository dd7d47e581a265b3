-- Trial pages filtered by state at 100,000 trials: a study's trials of one state in number order,
-- so `state = 'RUNNING' AND number > $after ORDER BY number LIMIT n` reads n index entries. Without
-- it the planner either sorts every trial of the state or, when it guesses the state common
-- enough, walks the study in number order filtering by state, and the open trials of a study are
-- its newest: the whole study is read (40–100 ms for the 8 RUNNING trials of 100,000).
-- Built CONCURRENTLY ("trial" is written while the service runs): one statement per migration file.

-- CreateIndex
CREATE INDEX CONCURRENTLY "trial_study_id_state_number_idx" ON "trial"("study_id", "state", "number");
