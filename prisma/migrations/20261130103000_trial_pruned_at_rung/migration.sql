-- The rung whose judgement pruned a trial (successive halving), stored with the PRUNED transition.
-- Nullable and without a default: adding it rewrites nothing.

-- AlterTable
ALTER TABLE "trial" ADD COLUMN "pruned_at_rung" INTEGER;
