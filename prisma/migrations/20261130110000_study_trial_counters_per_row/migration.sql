-- The study's trial counters (20261130101000_study_trial_counters) kept by row-level triggers
-- instead of statement-level ones, with the same results.
--
-- Why: the statement-level triggers ran for every statement on "trial", also for those that move
-- no counter (an attempt, a report's last_event_at), and each run built transition tables and
-- aggregated them: about as much work as the statement itself, on every write of the dispatch
-- path. Row-level triggers with a WHEN clause are skipped inside the executor when a row moves no
-- counter, and a counted row costs one UPDATE of its study's row by primary key. The one UPDATE
-- that the three branches of the old function repeated is written once here,
-- "study_shift_trial_counters", and called once per changed row (twice for a row that moves to
-- another study, which nothing does today).
--
-- The price: a statement that changes k rows updates the study row k times instead of once per
-- study (a batch of new trials, a study's cascaded delete, where the study row is already gone and
-- each UPDATE finds nothing). The counters stay exact in the statement that changes the trials.
-- A new trial state still needs a column here and a term in the function (the api's integration
-- test compares the counters with every state).

DROP TRIGGER "trial_count_insert" ON "trial";
DROP TRIGGER "trial_count_update" ON "trial";
DROP TRIGGER "trial_count_delete" ON "trial";
DROP FUNCTION "study_count_trials"();

-- Moves one trial of study "of_study" from (old_state, old_ms) to (new_state, new_ms); NULL states mean
-- "not counted" (an insert has no old state, a delete no new one); a NULL duration is untimed.
CREATE FUNCTION "study_shift_trial_counters"(
  "of_study" uuid, "old_state" "trial_state", "old_ms" bigint, "new_state" "trial_state", "new_ms" bigint
) RETURNS void LANGUAGE sql AS $$
  UPDATE "study" SET
    "waiting_trials" = "waiting_trials" + coalesce(("new_state" = 'WAITING')::int, 0) - coalesce(("old_state" = 'WAITING')::int, 0),
    "running_trials" = "running_trials" + coalesce(("new_state" = 'RUNNING')::int, 0) - coalesce(("old_state" = 'RUNNING')::int, 0),
    "paused_trials" = "paused_trials" + coalesce(("new_state" = 'PAUSED')::int, 0) - coalesce(("old_state" = 'PAUSED')::int, 0),
    "complete_trials" = "complete_trials" + coalesce(("new_state" = 'COMPLETE')::int, 0) - coalesce(("old_state" = 'COMPLETE')::int, 0),
    "pruned_trials" = "pruned_trials" + coalesce(("new_state" = 'PRUNED')::int, 0) - coalesce(("old_state" = 'PRUNED')::int, 0),
    "failed_trials" = "failed_trials" + coalesce(("new_state" = 'FAILED')::int, 0) - coalesce(("old_state" = 'FAILED')::int, 0),
    "timed_trials" = "timed_trials" + ("new_ms" IS NOT NULL)::int - ("old_ms" IS NOT NULL)::int,
    "timed_trial_ms" = "timed_trial_ms" + coalesce("new_ms", 0) - coalesce("old_ms", 0)
  WHERE "id" = "of_study";
$$;

-- A trial's wall time in milliseconds, NULL unless it has started and finished (exact: the
-- columns have millisecond precision).
CREATE FUNCTION "trial_wall_ms"("started_at" timestamptz, "finished_at" timestamptz) RETURNS bigint
  LANGUAGE sql IMMUTABLE AS $$ SELECT (extract(epoch FROM ("finished_at" - "started_at")) * 1000)::bigint $$;

CREATE FUNCTION "study_count_trial"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM "study_shift_trial_counters"(NEW."study_id", NULL, NULL, NEW."state", "trial_wall_ms"(NEW."started_at", NEW."finished_at"));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM "study_shift_trial_counters"(OLD."study_id", OLD."state", "trial_wall_ms"(OLD."started_at", OLD."finished_at"), NULL, NULL);
  ELSIF OLD."study_id" = NEW."study_id" THEN
    PERFORM "study_shift_trial_counters"(NEW."study_id", OLD."state", "trial_wall_ms"(OLD."started_at", OLD."finished_at"),
                                         NEW."state", "trial_wall_ms"(NEW."started_at", NEW."finished_at"));
  ELSE
    PERFORM "study_shift_trial_counters"(OLD."study_id", OLD."state", "trial_wall_ms"(OLD."started_at", OLD."finished_at"), NULL, NULL);
    PERFORM "study_shift_trial_counters"(NEW."study_id", NULL, NULL, NEW."state", "trial_wall_ms"(NEW."started_at", NEW."finished_at"));
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "trial_count_insert" AFTER INSERT ON "trial"
  FOR EACH ROW EXECUTE FUNCTION "study_count_trial"();
-- Only rows whose counted columns change: attempts, reports and metrics never reach the function.
CREATE TRIGGER "trial_count_update" AFTER UPDATE ON "trial"
  FOR EACH ROW
  WHEN (OLD."state" IS DISTINCT FROM NEW."state"
        OR OLD."started_at" IS DISTINCT FROM NEW."started_at"
        OR OLD."finished_at" IS DISTINCT FROM NEW."finished_at"
        OR OLD."study_id" IS DISTINCT FROM NEW."study_id")
  EXECUTE FUNCTION "study_count_trial"();
CREATE TRIGGER "trial_count_delete" AFTER DELETE ON "trial"
  FOR EACH ROW EXECUTE FUNCTION "study_count_trial"();
