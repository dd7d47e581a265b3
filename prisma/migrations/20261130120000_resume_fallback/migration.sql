-- Resumes that could not use the checkpoint they planned (gone, or its bytes fail the sha256) and
-- started from an earlier checkpoint or from scratch instead: one row per fallback, shown with
-- the trial (GET /trials/:id) so an operator sees that the trial retrained some epochs.

-- CreateTable
CREATE TABLE "resume_fallback" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "trial_id" UUID NOT NULL,
    "attempt" INTEGER NOT NULL,
    "problem" TEXT NOT NULL,
    "checkpoint_trial_id" UUID NOT NULL,
    "checkpoint_epoch" INTEGER NOT NULL,
    "resumed_from_epoch" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "resume_fallback_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "resume_fallback_trial_id_created_at_idx" ON "resume_fallback"("trial_id", "created_at");

-- AddForeignKey
ALTER TABLE "resume_fallback" ADD CONSTRAINT "resume_fallback_trial_id_fkey" FOREIGN KEY ("trial_id") REFERENCES "trial"("id") ON DELETE CASCADE ON UPDATE CASCADE;
