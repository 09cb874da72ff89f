CREATE TABLE `roster_import_chunks` (
	`import_id` integer NOT NULL,
	`seq` integer NOT NULL,
	`data` blob NOT NULL,
	PRIMARY KEY(`import_id`, `seq`),
	FOREIGN KEY (`import_id`) REFERENCES `roster_imports`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `roster_imports` ADD `file_name` text;--> statement-breakpoint
ALTER TABLE `roster_imports` ADD `file_bytes` integer;--> statement-breakpoint
ALTER TABLE `roster_imports` DROP COLUMN `file_path`;