CREATE TABLE "cars" (
	"name" text COLLATE "C" PRIMARY KEY NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "chunks" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "chunks_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"session_id" text COLLATE "C" NOT NULL,
	"driver_id" text COLLATE "C" NOT NULL,
	"first_ts" timestamp (3) with time zone NOT NULL,
	"last_ts" timestamp (3) with time zone NOT NULL,
	"sample_count" integer NOT NULL,
	"lap_first" integer NOT NULL,
	"lap_last" integer NOT NULL,
	"ingested_at" timestamp (3) with time zone NOT NULL,
	"data" "bytea" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "laps" (
	"session_id" text COLLATE "C" NOT NULL,
	"driver_id" text COLLATE "C" NOT NULL,
	"lap" integer NOT NULL,
	"start_ts" timestamp (3) with time zone NOT NULL,
	"end_ts" timestamp (3) with time zone NOT NULL,
	"lap_time" double precision,
	"timed" boolean NOT NULL,
	"time_source" text NOT NULL,
	"max_speed" double precision,
	"sample_count" integer NOT NULL,
	"ingested_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "laps_session_id_driver_id_lap_pk" PRIMARY KEY("session_id","driver_id","lap")
);
--> statement-breakpoint
CREATE TABLE "session_drivers" (
	"session_id" text COLLATE "C" NOT NULL,
	"driver_id" text COLLATE "C" NOT NULL,
	"car_name" text COLLATE "C" NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "session_drivers_session_id_driver_id_pk" PRIMARY KEY("session_id","driver_id")
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"session_id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"track_name" text COLLATE "C" NOT NULL,
	"session_type" text NOT NULL,
	"sample_count" integer DEFAULT 0 NOT NULL,
	"first_ts" timestamp (3) with time zone,
	"last_ts" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tracks" (
	"name" text COLLATE "C" PRIMARY KEY NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "chunks_series_idx" ON "chunks" USING btree ("session_id","driver_id","first_ts");--> statement-breakpoint
CREATE INDEX "chunks_session_ts_idx" ON "chunks" USING btree ("session_id","first_ts");--> statement-breakpoint
CREATE INDEX "chunks_driver_ts_idx" ON "chunks" USING btree ("driver_id","first_ts");--> statement-breakpoint
CREATE INDEX "chunks_ingested_idx" ON "chunks" USING btree ("ingested_at");--> statement-breakpoint
CREATE INDEX "session_drivers_driver_idx" ON "session_drivers" USING btree ("driver_id");--> statement-breakpoint
CREATE INDEX "sessions_created_idx" ON "sessions" USING btree ("created_at" DESC NULLS LAST,"session_id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "sessions_track_idx" ON "sessions" USING btree ("track_name");