-- The partial (study_id, efficiency, number) index of COMPLETE trials serves every query the full
-- (study_id, efficiency) index served (the leaderboard by efficiency ranks COMPLETE trials only),
-- so the full one only cost a write per trial update. Dropped CONCURRENTLY, alone in its file, so
-- running queries and trial writes are not blocked.

-- DropIndex
DROP INDEX CONCURRENTLY "trial_study_id_efficiency_idx";
