-- CreateTable
CREATE TABLE "Campaign" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "goalCents" INTEGER NOT NULL,
    "currency" TEXT NOT NULL DEFAULT 'USD',
    "hashtag" TEXT,
    "createdBy" TEXT NOT NULL,
    "pausedReason" TEXT,
    "pausedAt" DATETIME,
    "xRetryAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "CampaignAmountChange" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "kind" TEXT NOT NULL,
    "amountCents" INTEGER NOT NULL,
    "beforeCents" INTEGER NOT NULL,
    "afterCents" INTEGER NOT NULL,
    "note" TEXT,
    "userId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "Milestone" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "metric" TEXT NOT NULL,
    "threshold" INTEGER NOT NULL,
    "percent" INTEGER,
    "template" TEXT,
    "status" TEXT NOT NULL DEFAULT 'open',
    "reachedAt" DATETIME,
    "reachedValue" INTEGER,
    "createdBy" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "TweetOutbox" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "dedupeKey" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "milestoneId" INTEGER,
    "text" TEXT NOT NULL,
    "altText" TEXT NOT NULL,
    "card" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "notBefore" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "firstAttemptAt" DATETIME,
    "lastAttemptAt" DATETIME,
    "postedAt" DATETIME,
    "tweetId" TEXT,
    "dryRun" BOOLEAN NOT NULL DEFAULT false,
    "lastError" TEXT,
    "announce" TEXT NOT NULL DEFAULT 'none',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE INDEX "CampaignAmountChange_createdAt_idx" ON "CampaignAmountChange"("createdAt");

-- CreateIndex
CREATE INDEX "Milestone_metric_status_threshold_idx" ON "Milestone"("metric", "status", "threshold");

-- CreateIndex
CREATE UNIQUE INDEX "Milestone_metric_threshold_key" ON "Milestone"("metric", "threshold");

-- CreateIndex
CREATE UNIQUE INDEX "TweetOutbox_dedupeKey_key" ON "TweetOutbox"("dedupeKey");

-- CreateIndex
CREATE INDEX "TweetOutbox_status_notBefore_idx" ON "TweetOutbox"("status", "notBefore");

-- CreateIndex
CREATE INDEX "TweetOutbox_firstAttemptAt_idx" ON "TweetOutbox"("firstAttemptAt");

-- CreateIndex
CREATE INDEX "TweetOutbox_announce_idx" ON "TweetOutbox"("announce");
