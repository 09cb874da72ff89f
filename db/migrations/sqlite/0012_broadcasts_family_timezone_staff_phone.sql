CREATE TABLE `broadcast_recipients` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`broadcast_id` integer NOT NULL,
	`family_id` integer NOT NULL,
	`phone` text,
	`language` text NOT NULL,
	`student_ids` text NOT NULL,
	`page` integer NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`message_id` integer,
	`due_at` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`broadcast_id`) REFERENCES `broadcasts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`family_id`) REFERENCES `families`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `broadcast_recipients_family_phone_uq` ON `broadcast_recipients` (`broadcast_id`,`family_id`,`phone`);--> statement-breakpoint
CREATE INDEX `broadcast_recipients_page_idx` ON `broadcast_recipients` (`broadcast_id`,`page`);--> statement-breakpoint
CREATE INDEX `broadcast_recipients_message_idx` ON `broadcast_recipients` (`message_id`);--> statement-breakpoint
CREATE TABLE `broadcasts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`school_id` integer NOT NULL,
	`created_by` integer NOT NULL,
	`texts` text NOT NULL,
	`audience` text NOT NULL,
	`urgent` integer DEFAULT false NOT NULL,
	`send_at` text,
	`local_time` text,
	`status` text NOT NULL,
	`paused_reason` text,
	`fanout_cursor` integer DEFAULT 0 NOT NULL,
	`pages` integer DEFAULT 0 NOT NULL,
	`fanout_done` integer DEFAULT false NOT NULL,
	`send_round` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`school_id`) REFERENCES `schools`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `staff`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `broadcasts_school_idx` ON `broadcasts` (`school_id`,`id`);--> statement-breakpoint
CREATE INDEX `broadcasts_status_idx` ON `broadcasts` (`status`);--> statement-breakpoint
ALTER TABLE `families` ADD `timezone` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `broadcast_id` integer;--> statement-breakpoint
CREATE INDEX `messages_broadcast_idx` ON `messages` (`broadcast_id`,`status`);--> statement-breakpoint
ALTER TABLE `staff` ADD `phone` text;