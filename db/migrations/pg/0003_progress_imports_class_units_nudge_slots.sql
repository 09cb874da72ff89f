ALTER TABLE "classes" ADD COLUMN "current_unit" text;--> statement-breakpoint
ALTER TABLE "classes" ADD COLUMN "current_unit_set_at" text;--> statement-breakpoint
ALTER TABLE "schools" ADD COLUMN "nudge_slot" text DEFAULT 'sat-09:30' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "progress_records_import_uq" ON "progress_records" USING btree ("student_id","week","kind","source") WHERE source <> 'update';