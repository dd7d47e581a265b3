-- Trial counters on the study row, kept by the database: the study page reads counts per state and
-- the mean trial duration from one row instead of aggregating 100,000 trials per request.
--
-- Statement-level AFTER triggers with transition tables add each statement's changes per study
-- (+1 for a row's new version, -1 for its old one), so the counters change inside the statement
-- that changes the trials, whoever runs it (the trial store's one-statement transitions stay one
-- statement), and a bulk insert or a cascaded delete costs one UPDATE per study, not one per row.
-- An UPDATE that moves no state and no duration (an attempt, a timestamp) leaves the study alone.
-- TRUNCATE is not counted: nothing truncates "trial". A new trial state needs a column here and a
-- branch in the function (the api's integration test compares the counters with every state).
--
-- "timed" trials are those with both started_at and finished_at; timed_trial_ms sums
-- finished_at - started_at in milliseconds, exact because the columns have millisecond precision.
--
-- "trial" is locked against writes first, so the backfill below and the triggers see the same
-- rows; the lock is held until this migration's transaction commits (one aggregate over "trial").

LOCK TABLE "trial" IN SHARE ROW EXCLUSIVE MODE;

-- AlterTable
ALTER TABLE "study" ADD COLUMN "waiting_trials" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "study" ADD COLUMN "running_trials" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "study" ADD COLUMN "paused_trials" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "study" ADD COLUMN "complete_trials" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "study" ADD COLUMN "pruned_trials" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "study" ADD COLUMN "failed_trials" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "study" ADD COLUMN "timed_trials" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "study" ADD COLUMN "timed_trial_ms" BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION "study_count_trials"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE "study" AS s SET
      "waiting_trials" = s."waiting_trials" + d."waiting_trials",
      "running_trials" = s."running_trials" + d."running_trials",
      "paused_trials" = s."paused_trials" + d."paused_trials",
      "complete_trials" = s."complete_trials" + d."complete_trials",
      "pruned_trials" = s."pruned_trials" + d."pruned_trials",
      "failed_trials" = s."failed_trials" + d."failed_trials",
      "timed_trials" = s."timed_trials" + d."timed_trials",
      "timed_trial_ms" = s."timed_trial_ms" + d."timed_trial_ms"
    FROM (
      SELECT c."study_id",
             coalesce(sum(c."sign") FILTER (WHERE c."state" = 'WAITING'), 0) AS "waiting_trials",
             coalesce(sum(c."sign") FILTER (WHERE c."state" = 'RUNNING'), 0) AS "running_trials",
             coalesce(sum(c."sign") FILTER (WHERE c."state" = 'PAUSED'), 0) AS "paused_trials",
             coalesce(sum(c."sign") FILTER (WHERE c."state" = 'COMPLETE'), 0) AS "complete_trials",
             coalesce(sum(c."sign") FILTER (WHERE c."state" = 'PRUNED'), 0) AS "pruned_trials",
             coalesce(sum(c."sign") FILTER (WHERE c."state" = 'FAILED'), 0) AS "failed_trials",
             coalesce(sum(c."sign") FILTER (WHERE c."ms" IS NOT NULL), 0) AS "timed_trials",
             coalesce(sum(c."sign" * c."ms"), 0) AS "timed_trial_ms"
      FROM (SELECT "study_id", "state", 1 AS "sign",
              (extract(epoch FROM ("finished_at" - "started_at")) * 1000)::bigint AS "ms" FROM "new_trials") AS c
      GROUP BY c."study_id"
    ) AS d
    WHERE s."id" = d."study_id" AND (d."waiting_trials" <> 0 OR d."running_trials" <> 0 OR d."paused_trials" <> 0 OR d."complete_trials" <> 0 OR d."pruned_trials" <> 0 OR d."failed_trials" <> 0 OR d."timed_trials" <> 0 OR d."timed_trial_ms" <> 0);
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE "study" AS s SET
      "waiting_trials" = s."waiting_trials" + d."waiting_trials",
      "running_trials" = s."running_trials" + d."running_trials",
      "paused_trials" = s."paused_trials" + d."paused_trials",
      "complete_trials" = s."complete_trials" + d."complete_trials",
      "pruned_trials" = s."pruned_trials" + d."pruned_trials",
      "failed_trials" = s."failed_trials" + d."failed_trials",
      "timed_trials" = s."timed_trials" + d."timed_trials",
      "timed_trial_ms" = s."timed_trial_ms" + d."timed_trial_ms"
    FROM (
      SELECT c."study_id",
             coalesce(sum(c."sign") FILTER (WHERE c."state" = 'WAITING'), 0) AS "waiting_trials",
             coalesce(sum(c."sign") FILTER (WHERE c."state" = 'RUNNING'), 0) AS "running_trials",
             coalesce(sum(c."sign") FILTER (WHERE c."state" = 'PAUSED'), 0) AS "paused_trials",
             coalesce(sum(c."sign") FILTER (WHERE c."state" = 'COMPLETE'), 0) AS "complete_trials",
             coalesce(sum(c."sign") FILTER (WHERE c."state" = 'PRUNED'), 0) AS "pruned_trials",
             coalesce(sum(c."sign") FILTER (WHERE c."state" = 'FAILED'), 0) AS "failed_trials",
             coalesce(sum(c."sign") FILTER (WHERE c."ms" IS NOT NULL), 0) AS "timed_trials",
             coalesce(sum(c."sign" * c."ms"), 0) AS "timed_trial_ms"
      FROM (SELECT "study_id", "state", -1 AS "sign",
              (extract(epoch FROM ("finished_at" - "started_at")) * 1000)::bigint AS "ms" FROM "old_trials") AS c
      GROUP BY c."study_id"
    ) AS d
    WHERE s."id" = d."study_id" AND (d."waiting_trials" <> 0 OR d."running_trials" <> 0 OR d."paused_trials" <> 0 OR d."complete_trials" <> 0 OR d."pruned_trials" <> 0 OR d."failed_trials" <> 0 OR d."timed_trials" <> 0 OR d."timed_trial_ms" <> 0);
  ELSE
    UPDATE "study" AS s SET
      "waiting_trials" = s."waiting_trials" + d."waiting_trials",
      "running_trials" = s."running_trials" + d."running_trials",
      "paused_trials" = s."paused_trials" + d."paused_trials",
      "complete_trials" = s."complete_trials" + d."complete_trials",
      "pruned_trials" = s."pruned_trials" + d."pruned_trials",
      "failed_trials" = s."failed_trials" + d."failed_trials",
      "timed_trials" = s."timed_trials" + d."timed_trials",
      "timed_trial_ms" = s."timed_trial_ms" + d."timed_trial_ms"
    FROM (
      SELECT c."study_id",
             coalesce(sum(c."sign") FILTER (WHERE c."state" = 'WAITING'), 0) AS "waiting_trials",
             coalesce(sum(c."sign") FILTER (WHERE c."state" = 'RUNNING'), 0) AS "running_trials",
             coalesce(sum(c."sign") FILTER (WHERE c."state" = 'PAUSED'), 0) AS "paused_trials",
             coalesce(sum(c."sign") FILTER (WHERE c."state" = 'COMPLETE'), 0) AS "complete_trials",
             coalesce(sum(c."sign") FILTER (WHERE c."state" = 'PRUNED'), 0) AS "pruned_trials",
             coalesce(sum(c."sign") FILTER (WHERE c."state" = 'FAILED'), 0) AS "failed_trials",
             coalesce(sum(c."sign") FILTER (WHERE c."ms" IS NOT NULL), 0) AS "timed_trials",
             coalesce(sum(c."sign" * c."ms"), 0) AS "timed_trial_ms"
      FROM (SELECT "study_id", "state", 1 AS "sign",
              (extract(epoch FROM ("finished_at" - "started_at")) * 1000)::bigint AS "ms" FROM "new_trials"
            UNION ALL
            SELECT "study_id", "state", -1 AS "sign",
              (extract(epoch FROM ("finished_at" - "started_at")) * 1000)::bigint AS "ms" FROM "old_trials") AS c
      GROUP BY c."study_id"
    ) AS d
    WHERE s."id" = d."study_id" AND (d."waiting_trials" <> 0 OR d."running_trials" <> 0 OR d."paused_trials" <> 0 OR d."complete_trials" <> 0 OR d."pruned_trials" <> 0 OR d."failed_trials" <> 0 OR d."timed_trials" <> 0 OR d."timed_trial_ms" <> 0);
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "trial_count_insert" AFTER INSERT ON "trial"
  REFERENCING NEW TABLE AS "new_trials" FOR EACH STATEMENT EXECUTE FUNCTION "study_count_trials"();
CREATE TRIGGER "trial_count_update" AFTER UPDATE ON "trial"
  REFERENCING OLD TABLE AS "old_trials" NEW TABLE AS "new_trials" FOR EACH STATEMENT EXECUTE FUNCTION "study_count_trials"();
CREATE TRIGGER "trial_count_delete" AFTER DELETE ON "trial"
  REFERENCING OLD TABLE AS "old_trials" FOR EACH STATEMENT EXECUTE FUNCTION "study_count_trials"();

-- Backfill
UPDATE "study" AS s SET
  "waiting_trials" = d."waiting_trials",
  "running_trials" = d."running_trials",
  "paused_trials" = d."paused_trials",
  "complete_trials" = d."complete_trials",
  "pruned_trials" = d."pruned_trials",
  "failed_trials" = d."failed_trials",
  "timed_trials" = d."timed_trials",
  "timed_trial_ms" = d."timed_trial_ms"
FROM (
  SELECT "study_id",
         count(*) FILTER (WHERE "state" = 'WAITING') AS "waiting_trials",
         count(*) FILTER (WHERE "state" = 'RUNNING') AS "running_trials",
         count(*) FILTER (WHERE "state" = 'PAUSED') AS "paused_trials",
         count(*) FILTER (WHERE "state" = 'COMPLETE') AS "complete_trials",
         count(*) FILTER (WHERE "state" = 'PRUNED') AS "pruned_trials",
         count(*) FILTER (WHERE "state" = 'FAILED') AS "failed_trials",
         count(*) FILTER (WHERE "started_at" IS NOT NULL AND "finished_at" IS NOT NULL) AS "timed_trials",
         coalesce(sum((extract(epoch FROM ("finished_at" - "started_at")) * 1000)::bigint), 0) AS "timed_trial_ms"
  FROM "trial"
  GROUP BY "study_id"
) AS d
WHERE s."id" = d."study_id";
