CREATE TABLE `cars` (
	`name` text PRIMARY KEY NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `chunks` (
	`id` integer PRIMARY KEY NOT NULL,
	`session_id` text NOT NULL,
	`driver_id` text NOT NULL,
	`first_ts` integer NOT NULL,
	`last_ts` integer NOT NULL,
	`sample_count` integer NOT NULL,
	`lap_first` integer NOT NULL,
	`lap_last` integer NOT NULL,
	`ingested_at` integer NOT NULL,
	`data` blob NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `chunks_series_idx` ON `chunks` (`session_id`,`driver_id`,`first_ts`);--> statement-breakpoint
CREATE INDEX `chunks_session_ts_idx` ON `chunks` (`session_id`,`first_ts`);--> statement-breakpoint
CREATE INDEX `chunks_driver_ts_idx` ON `chunks` (`driver_id`,`first_ts`);--> statement-breakpoint
CREATE INDEX `chunks_ingested_idx` ON `chunks` (`ingested_at`);--> statement-breakpoint
CREATE TABLE `laps` (
	`session_id` text NOT NULL,
	`driver_id` text NOT NULL,
	`lap` integer NOT NULL,
	`start_ts` integer NOT NULL,
	`end_ts` integer NOT NULL,
	`lap_time` real,
	`timed` integer NOT NULL,
	`time_source` text NOT NULL,
	`max_speed` real,
	`sample_count` integer NOT NULL,
	`ingested_at` integer NOT NULL,
	PRIMARY KEY(`session_id`, `driver_id`, `lap`)
);
--> statement-breakpoint
CREATE TABLE `session_drivers` (
	`session_id` text NOT NULL,
	`driver_id` text NOT NULL,
	`car_name` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`session_id`, `driver_id`)
);
--> statement-breakpoint
CREATE INDEX `session_drivers_driver_idx` ON `session_drivers` (`driver_id`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`session_id` text PRIMARY KEY NOT NULL,
	`track_name` text NOT NULL,
	`session_type` text NOT NULL,
	`sample_count` integer DEFAULT 0 NOT NULL,
	`first_ts` integer,
	`last_ts` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sessions_created_idx` ON `sessions` (`created_at`);--> statement-breakpoint
CREATE INDEX `sessions_track_idx` ON `sessions` (`track_name`);--> statement-breakpoint
CREATE TABLE `tracks` (
	`name` text PRIMARY KEY NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
