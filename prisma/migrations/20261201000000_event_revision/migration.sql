-- The .ics SEQUENCE as an explicit revision counter (it was derived from clock differences).
ALTER TABLE "Event" ADD COLUMN "revision" INTEGER NOT NULL DEFAULT 0;
