-- AlterTable
ALTER TABLE "DirectMessage" ADD COLUMN "expiresAt" DATETIME;
ALTER TABLE "DirectMessage" ADD COLUMN "firstAttemptAt" DATETIME;
ALTER TABLE "DirectMessage" ADD COLUMN "lastAttemptAt" DATETIME;
ALTER TABLE "DirectMessage" ADD COLUMN "messageId" TEXT;
ALTER TABLE "DirectMessage" ADD COLUMN "priority" INTEGER NOT NULL DEFAULT 1;

-- AlterTable
ALTER TABLE "TweetOutbox" ADD COLUMN "giveUpAt" DATETIME;
