-- CreateTable
CREATE TABLE "DmFanout" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "dedupeKey" TEXT NOT NULL,
    "eventId" INTEGER NOT NULL,
    "statuses" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "fallbackChannelId" TEXT,
    "priority" INTEGER NOT NULL DEFAULT 1,
    "cursor" INTEGER NOT NULL DEFAULT 0,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "createdAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "DmFanout_dedupeKey_key" ON "DmFanout"("dedupeKey");

-- CreateIndex
CREATE INDEX "DmFanout_status_idx" ON "DmFanout"("status");
