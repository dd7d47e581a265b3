-- Checkpoints: metadata in "checkpoint", bytes in "checkpoint_blob" (TOASTed bytea), so listing a
-- trial's checkpoints never reads the bytes.

-- CreateTable
CREATE TABLE "checkpoint" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "trial_id" UUID NOT NULL,
    "epoch" INTEGER NOT NULL,
    "size_bytes" INTEGER NOT NULL,
    "sha256" CHAR(64) NOT NULL,
    "location" TEXT NOT NULL DEFAULT 'postgres',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "checkpoint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "checkpoint_blob" (
    "checkpoint_id" UUID NOT NULL,
    "data" BYTEA NOT NULL,

    CONSTRAINT "checkpoint_blob_pkey" PRIMARY KEY ("checkpoint_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "checkpoint_trial_id_epoch_key" ON "checkpoint"("trial_id", "epoch");

-- AddForeignKey
ALTER TABLE "checkpoint" ADD CONSTRAINT "checkpoint_trial_id_fkey" FOREIGN KEY ("trial_id") REFERENCES "trial"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "checkpoint_blob" ADD CONSTRAINT "checkpoint_blob_checkpoint_id_fkey" FOREIGN KEY ("checkpoint_id") REFERENCES "checkpoint"("id") ON DELETE CASCADE ON UPDATE CASCADE;
