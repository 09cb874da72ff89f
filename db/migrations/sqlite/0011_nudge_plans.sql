CREATE TABLE `nudge_plans` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`family_id` integer NOT NULL,
	`school_id` integer NOT NULL,
	`week` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`message_id` integer,
	`tip_ids` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`family_id`) REFERENCES `families`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`school_id`) REFERENCES `schools`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `nudge_plans_family_week_uq` ON `nudge_plans` (`family_id`,`week`);--> statement-breakpoint
CREATE INDEX `nudge_plans_school_week_idx` ON `nudge_plans` (`school_id`,`week`);--> statement-breakpoint
CREATE TABLE `nudge_tips` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`student_id` integer NOT NULL,
	`family_id` integer NOT NULL,
	`week` text NOT NULL,
	`tip_id` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`student_id`) REFERENCES `students`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`family_id`) REFERENCES `families`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `nudge_tips_student_family_week_uq` ON `nudge_tips` (`student_id`,`family_id`,`week`);--> statement-breakpoint
CREATE INDEX `nudge_tips_student_week_idx` ON `nudge_tips` (`student_id`,`week`);