ALTER TABLE network_token_cryptograms ADD COLUMN reference_redeemed_at bigint NULL;
