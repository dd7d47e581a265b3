-- A version of each study's set of COMPLETE trials, kept by the database: the api caches a
-- leaderboard (which ranks COMPLETE trials only) under the version it read, and one indexed read
-- of the study row tells whether a cached one is still exact.
--
-- Row-level triggers bump it whenever a COMPLETE trial appears, changes in any column, or goes
-- (an insert or delete of a COMPLETE row, an update from, to or of a COMPLETE row), inside the
-- statement that changes the trial, so a read that sees the change also sees the new version.
-- Reports of running trials never reach the function (the WHEN clauses): a trial is COMPLETE once,
-- so a study row takes one more update per completed trial, in the statement that already updates
-- it for the trial counters. A cascaded delete of a study updates nothing (its row is gone).

-- AlterTable
ALTER TABLE "study" ADD COLUMN "complete_trials_version" BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION "study_bump_complete_trials_version"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    UPDATE "study" SET "complete_trials_version" = "complete_trials_version" + 1 WHERE "id" = OLD."study_id";
  END IF;
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW."study_id" IS DISTINCT FROM OLD."study_id") THEN
    UPDATE "study" SET "complete_trials_version" = "complete_trials_version" + 1 WHERE "id" = NEW."study_id";
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "trial_complete_version_insert" AFTER INSERT ON "trial"
  FOR EACH ROW WHEN (NEW."state" = 'COMPLETE')
  EXECUTE FUNCTION "study_bump_complete_trials_version"();
CREATE TRIGGER "trial_complete_version_update" AFTER UPDATE ON "trial"
  FOR EACH ROW WHEN ((OLD."state" = 'COMPLETE' OR NEW."state" = 'COMPLETE') AND OLD.* IS DISTINCT FROM NEW.*)
  EXECUTE FUNCTION "study_bump_complete_trials_version"();
CREATE TRIGGER "trial_complete_version_delete" AFTER DELETE ON "trial"
  FOR EACH ROW WHEN (OLD."state" = 'COMPLETE')
  EXECUTE FUNCTION "study_bump_complete_trials_version"();
