-- CreateEnum
CREATE TYPE "study_status" AS ENUM ('RUNNING', 'STOPPED', 'COMPLETE', 'FAILED');

-- CreateEnum
CREATE TYPE "study_direction" AS ENUM ('minimize', 'maximize');

-- CreateEnum
CREATE TYPE "trial_state" AS ENUM ('WAITING', 'RUNNING', 'PAUSED', 'COMPLETE', 'PRUNED', 'FAILED');

-- CreateTable
CREATE TABLE "study" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" TEXT NOT NULL,
    "spec" JSONB NOT NULL,
    "objective" JSONB NOT NULL,
    "metric" TEXT NOT NULL,
    "direction" "study_direction" NOT NULL,
    "status" "study_status" NOT NULL DEFAULT 'RUNNING',
    "seed" INTEGER NOT NULL,
    "max_trials" INTEGER NOT NULL,
    "parallelism" INTEGER NOT NULL,
    "next_trial_number" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "study_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "trial" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "study_id" UUID NOT NULL,
    "number" INTEGER NOT NULL,
    "params" JSONB NOT NULL,
    "state" "trial_state" NOT NULL DEFAULT 'WAITING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "worker_id" TEXT,
    "failure_type" TEXT,
    "failure_message" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "last_event_at" TIMESTAMPTZ(3),
    "vloss" DOUBLE PRECISION,
    "accuracy" DOUBLE PRECISION,
    "macro_f1" DOUBLE PRECISION,
    "per_class_accuracy" JSONB,
    "confusion_matrix" JSONB,
    "parameter_count" INTEGER,
    "efficiency" DOUBLE PRECISION,
    "objective_value" DOUBLE PRECISION,
    "retry_of_id" UUID,
    "resume_from_epoch" INTEGER,

    CONSTRAINT "trial_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "intermediate_value" (
    "trial_id" UUID NOT NULL,
    "epoch" INTEGER NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "vloss" DOUBLE PRECISION,
    "accuracy" DOUBLE PRECISION,
    "macro_f1" DOUBLE PRECISION,
    "train_loss" DOUBLE PRECISION,
    "images_per_sec" DOUBLE PRECISION,
    "elapsed_ms" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "intermediate_value_pkey" PRIMARY KEY ("trial_id","epoch")
);

-- CreateTable
CREATE TABLE "rung_record" (
    "trial_id" UUID NOT NULL,
    "study_id" UUID NOT NULL,
    "rung" INTEGER NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rung_record_pkey" PRIMARY KEY ("trial_id","rung")
);

-- CreateTable
CREATE TABLE "worker" (
    "id" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "backend" TEXT NOT NULL,
    "gpu" TEXT,
    "current_trial_id" UUID,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_heartbeat_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "worker_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "trial_retry_of_id_key" ON "trial"("retry_of_id");

-- CreateIndex
CREATE UNIQUE INDEX "trial_study_id_number_key" ON "trial"("study_id", "number");

-- CreateIndex
CREATE INDEX "rung_record_study_id_rung_value_idx" ON "rung_record"("study_id", "rung", "value");

-- CreateIndex
CREATE INDEX "worker_last_heartbeat_at_idx" ON "worker"("last_heartbeat_at");

-- AddForeignKey
ALTER TABLE "trial" ADD CONSTRAINT "trial_study_id_fkey" FOREIGN KEY ("study_id") REFERENCES "study"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "trial" ADD CONSTRAINT "trial_retry_of_id_fkey" FOREIGN KEY ("retry_of_id") REFERENCES "trial"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "intermediate_value" ADD CONSTRAINT "intermediate_value_trial_id_fkey" FOREIGN KEY ("trial_id") REFERENCES "trial"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rung_record" ADD CONSTRAINT "rung_record_trial_id_fkey" FOREIGN KEY ("trial_id") REFERENCES "trial"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rung_record" ADD CONSTRAINT "rung_record_study_id_fkey" FOREIGN KEY ("study_id") REFERENCES "study"("id") ON DELETE CASCADE ON UPDATE CASCADE;
