CREATE TABLE `progress_records` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`student_id` integer NOT NULL,
	`school_id` integer NOT NULL,
	`week` text NOT NULL,
	`kind` text NOT NULL,
	`value` text,
	`details` text,
	`staff_id` integer,
	`message_id` integer,
	`source` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`student_id`) REFERENCES `students`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`school_id`) REFERENCES `schools`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`staff_id`) REFERENCES `staff`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`message_id`) REFERENCES `messages`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `progress_records_student_week_idx` ON `progress_records` (`student_id`,`week`);--> statement-breakpoint
ALTER TABLE `messages` ADD `original_body` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `original_language` text;