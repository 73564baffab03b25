/** The tokens the test Worker is configured with (vitest.config.ts). */
export const TEST_TOKENS = {
  ingest: "test-ingest-token-0123456789abcdef",
  admin: "test-admin-token-fedcba9876543210",
  read: "test-read-token-00112233445566778899",
} as const;
