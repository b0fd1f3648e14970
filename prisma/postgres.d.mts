// Types of prisma/postgres.mjs, for the tests that import it.
export interface TranslationState {
  tables: Map<string, unknown>;
  indexes: Map<string, unknown>;
}
export function translateSchema(text: string, file: string): string;
export function translateMigration(sql: string, name: string, state?: TranslationState): string;
export function splitStatements(sql: string): { sql: string; comments: string[] }[];
export function render(): Map<string, string>;
export function stale(): string[];
export function write(): Map<string, string>;
