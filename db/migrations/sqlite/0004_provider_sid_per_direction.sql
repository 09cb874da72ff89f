DROP INDEX `messages_provider_sid_uq`;--> statement-breakpoint
CREATE UNIQUE INDEX `messages_direction_sid_uq` ON `messages` (`direction`,`provider_sid`);