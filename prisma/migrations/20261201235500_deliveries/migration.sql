-- CreateTable
CREATE TABLE "TweetDelivery" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "outboxId" INTEGER NOT NULL,
    "network" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "notBefore" DATETIME NOT NULL,
    "firstAttemptAt" DATETIME,
    "lastAttemptAt" DATETIME,
    "giveUpAt" DATETIME,
    "recordKey" TEXT,
    "postId" TEXT,
    "postUrl" TEXT,
    "dryRun" BOOLEAN NOT NULL DEFAULT false,
    "lastError" TEXT,
    "postedAt" DATETIME,
    "createdAt" DATETIME NOT NULL,
    CONSTRAINT "TweetDelivery_outboxId_fkey" FOREIGN KEY ("outboxId") REFERENCES "TweetOutbox" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "PostingNetwork" (
    "network" TEXT NOT NULL PRIMARY KEY,
    "retryAt" DATETIME,
    "authFailedAt" DATETIME,
    "authError" TEXT
);

-- CreateIndex
CREATE UNIQUE INDEX "TweetDelivery_outboxId_network_key" ON "TweetDelivery"("outboxId", "network");

-- CreateIndex
CREATE INDEX "TweetDelivery_network_status_notBefore_idx" ON "TweetDelivery"("network", "status", "notBefore");

-- CreateIndex
CREATE INDEX "TweetDelivery_network_firstAttemptAt_idx" ON "TweetDelivery"("network", "firstAttemptAt");
