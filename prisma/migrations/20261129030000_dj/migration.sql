-- CreateTable
CREATE TABLE "DjOffer" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "userId" TEXT NOT NULL,
    "djName" TEXT NOT NULL,
    "genres" TEXT NOT NULL,
    "minutes" INTEGER NOT NULL,
    "links" TEXT NOT NULL,
    "note" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "activeKey" TEXT,
    "reviewChannelId" TEXT,
    "reviewMessageId" TEXT,
    "reviewedBy" TEXT,
    "reviewedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "DjStage" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "sets" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "DjSet" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "offerId" INTEGER NOT NULL,
    "stage" TEXT NOT NULL,
    "startsAt" DATETIME NOT NULL,
    "endsAt" DATETIME NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'scheduled',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "DjSet_offerId_fkey" FOREIGN KEY ("offerId") REFERENCES "DjOffer" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "TrackRequest" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "setId" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "artist" TEXT NOT NULL,
    "matchKey" TEXT NOT NULL,
    "queueKey" TEXT,
    "requestedBy" TEXT NOT NULL,
    "votes" INTEGER NOT NULL DEFAULT 1,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closedAt" DATETIME,
    "closedBy" TEXT,
    CONSTRAINT "TrackRequest_setId_fkey" FOREIGN KEY ("setId") REFERENCES "DjSet" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "TrackVote" (
    "requestId" INTEGER NOT NULL,
    "userId" TEXT NOT NULL,
    "notify" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("requestId", "userId"),
    CONSTRAINT "TrackVote_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "TrackRequest" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "TrackRequester" (
    "userId" TEXT NOT NULL PRIMARY KEY,
    "lastRequestAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "TrackRequesterSet" (
    "setId" INTEGER NOT NULL,
    "userId" TEXT NOT NULL,
    "open" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("setId", "userId")
);

-- CreateIndex
CREATE UNIQUE INDEX "DjOffer_activeKey_key" ON "DjOffer"("activeKey");

-- CreateIndex
CREATE INDEX "DjOffer_status_idx" ON "DjOffer"("status");

-- CreateIndex
CREATE INDEX "DjOffer_userId_idx" ON "DjOffer"("userId");

-- CreateIndex
CREATE INDEX "DjSet_stage_startsAt_idx" ON "DjSet"("stage", "startsAt");

-- CreateIndex
CREATE INDEX "DjSet_status_endsAt_idx" ON "DjSet"("status", "endsAt");

-- CreateIndex
CREATE INDEX "DjSet_offerId_idx" ON "DjSet"("offerId");

-- CreateIndex
CREATE UNIQUE INDEX "TrackRequest_queueKey_key" ON "TrackRequest"("queueKey");

-- CreateIndex
CREATE INDEX "TrackRequest_setId_status_votes_idx" ON "TrackRequest"("setId", "status", "votes");

-- CreateIndex
CREATE INDEX "TrackRequest_setId_matchKey_idx" ON "TrackRequest"("setId", "matchKey");
