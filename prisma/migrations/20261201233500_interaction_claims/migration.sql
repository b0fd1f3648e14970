-- CreateTable
CREATE TABLE "InteractionClaim" (
    "id" BIGINT NOT NULL PRIMARY KEY
);
