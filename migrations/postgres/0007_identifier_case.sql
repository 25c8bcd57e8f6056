-- Identifiers are typed on phones in any case: `eb587327` is the account EB587327.
-- Lookups compare lower(identifier); this index makes them fast and keeps one account
-- per identifier whatever its case (identifiers are ASCII, where both backends' lower()
-- agree).
CREATE UNIQUE INDEX accounts_identifier_folded ON accounts (lower(identifier));
