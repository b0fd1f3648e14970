-- CreateTable
CREATE TABLE "Donation" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "source" TEXT NOT NULL,
    "sourceId" TEXT NOT NULL,
    "amountCents" INTEGER NOT NULL,
    "currency" TEXT NOT NULL,
    "counted" BOOLEAN NOT NULL,
    "donorName" TEXT,
    "message" TEXT,
    "refundOf" TEXT,
    "receivedAt" DATETIME NOT NULL,
    "thanks" TEXT NOT NULL DEFAULT 'none'
);

-- CreateTable
CREATE TABLE "DonationImport" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "userId" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "fileName" TEXT NOT NULL,
    "rows" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "createdAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "Donation_receivedAt_idx" ON "Donation"("receivedAt");

-- CreateIndex
CREATE INDEX "Donation_thanks_idx" ON "Donation"("thanks");

-- CreateIndex
CREATE INDEX "Donation_source_refundOf_idx" ON "Donation"("source", "refundOf");

-- CreateIndex
CREATE UNIQUE INDEX "Donation_source_sourceId_key" ON "Donation"("source", "sourceId");

-- The total kept before the ledger existed becomes its first row, so the ledger's counted rows always add up
-- to the raised_cents metric.
INSERT INTO "Donation" ("source", "sourceId", "amountCents", "currency", "counted", "receivedAt", "thanks")
SELECT 'adjustment', 'opening-balance', "value", COALESCE((SELECT "currency" FROM "Campaign" WHERE "id" = 1), 'USD'), TRUE, "updatedAt", 'none'
FROM "Metric" WHERE "name" = 'raised_cents' AND "value" <> 0;
