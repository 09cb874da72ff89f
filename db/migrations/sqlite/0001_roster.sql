CREATE TABLE `class_teachers` (
	`class_id` integer NOT NULL,
	`staff_id` integer NOT NULL,
	PRIMARY KEY(`class_id`, `staff_id`),
	FOREIGN KEY (`class_id`) REFERENCES `classes`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`staff_id`) REFERENCES `staff`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `class_teachers_staff_idx` ON `class_teachers` (`staff_id`);--> statement-breakpoint
CREATE TABLE `classes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`school_id` integer NOT NULL,
	`external_id` text,
	`title` text NOT NULL,
	`grades` text,
	`subjects` text,
	`active` integer DEFAULT true NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`school_id`) REFERENCES `schools`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `classes_external_uq` ON `classes` (`external_id`);--> statement-breakpoint
CREATE INDEX `classes_school_idx` ON `classes` (`school_id`);--> statement-breakpoint
CREATE TABLE `enrollments` (
	`class_id` integer NOT NULL,
	`student_id` integer NOT NULL,
	PRIMARY KEY(`class_id`, `student_id`),
	FOREIGN KEY (`class_id`) REFERENCES `classes`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`student_id`) REFERENCES `students`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `enrollments_student_idx` ON `enrollments` (`student_id`);--> statement-breakpoint
CREATE TABLE `roster_imports` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`format` text,
	`status` text NOT NULL,
	`dry_run` integer DEFAULT false NOT NULL,
	`options` text NOT NULL,
	`file_path` text,
	`report` text,
	`error` text,
	`staff_id` integer,
	`created_at` text NOT NULL,
	`finished_at` text,
	FOREIGN KEY (`staff_id`) REFERENCES `staff`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `welcomes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`phone_number` text NOT NULL,
	`family_id` integer NOT NULL,
	`message_id` integer,
	`at` text NOT NULL,
	FOREIGN KEY (`family_id`) REFERENCES `families`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `welcomes_phone_uq` ON `welcomes` (`phone_number`);--> statement-breakpoint
ALTER TABLE `families` ADD `external_id` text;--> statement-breakpoint
ALTER TABLE `guardians` ADD `school_id` integer REFERENCES schools(id);--> statement-breakpoint
CREATE UNIQUE INDEX `guardians_school_external_uq` ON `guardians` (`school_id`,`external_id`);--> statement-breakpoint
ALTER TABLE `schools` ADD `phone_region` text DEFAULT 'US' NOT NULL;--> statement-breakpoint
ALTER TABLE `staff` ADD `external_id` text;--> statement-breakpoint
CREATE INDEX `student_guardians_guardian_idx` ON `student_guardians` (`guardian_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `students_external_uq` ON `students` (`external_id`);