CREATE TABLE `tip_feedback` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`family_id` integer NOT NULL,
	`message_id` integer NOT NULL,
	`nudge_message_id` integer NOT NULL,
	`digit` integer NOT NULL,
	`at` text NOT NULL,
	FOREIGN KEY (`family_id`) REFERENCES `families`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tip_feedback_message_uq` ON `tip_feedback` (`message_id`);--> statement-breakpoint
CREATE INDEX `tip_feedback_nudge_idx` ON `tip_feedback` (`nudge_message_id`);--> statement-breakpoint
ALTER TABLE `families` ADD `language_suggestion` text;