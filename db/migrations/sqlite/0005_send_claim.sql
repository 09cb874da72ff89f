ALTER TABLE `messages` ADD `send_round` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `claimed_until` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `failure_reason` text;