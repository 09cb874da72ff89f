CREATE TABLE "roster_import_chunks" (
	"import_id" integer NOT NULL,
	"seq" integer NOT NULL,
	"data" "bytea" NOT NULL,
	CONSTRAINT "roster_import_chunks_import_id_seq_pk" PRIMARY KEY("import_id","seq")
);
--> statement-breakpoint
ALTER TABLE "roster_imports" ADD COLUMN "file_name" text;--> statement-breakpoint
ALTER TABLE "roster_imports" ADD COLUMN "file_bytes" integer;--> statement-breakpoint
ALTER TABLE "roster_import_chunks" ADD CONSTRAINT "roster_import_chunks_import_id_roster_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."roster_imports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "roster_imports" DROP COLUMN "file_path";